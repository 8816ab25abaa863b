//! Twilio's webhook signature: `X-Twilio-Signature` is the base64 HMAC-SHA1, keyed with the
//! account's auth token, of the full URL Twilio called followed by every POST parameter, sorted
//! by name, each as its name then its value with nothing between.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// The signature Twilio sends for a form POST of `params` to `url`.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(a.1.cmp(&b.1)));
    let mut data = String::from(url);
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The same URL with its scheme's default port written out, or left out if it was written:
/// Twilio's own libraries accept either, since what Twilio signs depends on how the URL was
/// configured.
fn other_port_form(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if let Some(host) = authority.strip_suffix(default) {
        Some(format!("{scheme}://{host}{path}"))
    } else if authority.contains(':') && !authority.ends_with(']') {
        None
    } else {
        Some(format!("{scheme}://{authority}{default}{path}"))
    }
}

/// Whether `given` is Twilio's signature of `params` posted to `url` (the public URL Twilio
/// called, as configured, not as the socket saw it), compared in constant time.
pub fn verify_signature(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    given: &str,
) -> bool {
    if auth_token.is_empty() || given.is_empty() {
        return false;
    }
    let matches = |u: &str| {
        let expected = signature(auth_token, u, params);
        bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
    };
    matches(url) || other_port_form(url).is_some_and(|u| matches(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(caller: &str) -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", caller),
            ("Digits", "1234"),
            ("From", caller),
            ("To", "+18005551212"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    #[test]
    fn the_signature_matches_twilios_known_answers() {
        assert_eq!(
            signature("12345", URL, &params("+14158675309")),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        assert_eq!(
            signature("12345", URL, &params("+14158675310")),
            "GvWf1cFY/Q7PnoempGyD5oXAezc="
        );
    }

    #[test]
    fn parameter_order_does_not_change_the_signature() {
        let mut reversed = params("+14158675309");
        reversed.reverse();
        assert!(verify_signature(
            "12345",
            URL,
            &reversed,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
    }

    #[test]
    fn an_altered_url_parameter_token_or_signature_is_refused() {
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        let p = params("+14158675309");
        assert!(verify_signature("12345", URL, &p, good));
        assert!(!verify_signature(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            &p,
            good
        ));
        let mut altered = p.clone();
        altered[2].1 = "1235".into();
        assert!(!verify_signature("12345", URL, &altered, good));
        let mut added = p.clone();
        added.push(("Body".into(), "extra".into()));
        assert!(!verify_signature("12345", URL, &added, good));
        assert!(!verify_signature("54321", URL, &p, good));
        assert!(!verify_signature(
            "12345",
            URL,
            &p,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8"
        ));
        assert!(!verify_signature("12345", URL, &p, ""));
        assert!(!verify_signature("", URL, &p, good));
    }

    #[test]
    fn the_url_is_accepted_with_or_without_its_default_port() {
        let p = params("+14158675309");
        let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
        let signed_with_port = signature("12345", with_port, &p);
        assert!(verify_signature("12345", URL, &p, &signed_with_port));
        assert!(verify_signature(
            "12345",
            with_port,
            &p,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        let other_port = signature(
            "12345",
            "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
            &p,
        );
        assert!(!verify_signature("12345", URL, &p, &other_port));
    }
}
