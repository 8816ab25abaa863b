//! Blind-index tokens for patient search. Each searchable value is normalised and hashed with a
//! key of its own (see `platform::crypto::Crypto::blind_index`); names are indexed by every
//! prefix of every word, so typing "smi" finds "Smith" without the database ever holding a name.

use api_types::patients::PatientInput;
use api_types::validation::{normalize_email, normalize_phone};
use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use crate::platform::crypto::Crypto;

/// Longest name prefix indexed; longer query words are cut to it.
pub const MAX_PREFIX: usize = 16;

/// Lower-case, accents removed, letters and digits only.
pub fn normalize_word(word: &str) -> String {
    word.nfkd()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '\'' || c == '’')
        .map(normalize_word)
        .filter(|w| !w.is_empty())
}

pub fn name_token(crypto: &Crypto, prefix: &str) -> String {
    crypto.blind_index("patient.name", prefix)
}
pub fn email_token(crypto: &Crypto, email: &str) -> String {
    crypto.blind_index("patient.email", &normalize_email(email))
}
pub fn phone_token(crypto: &Crypto, phone: &str) -> String {
    crypto.blind_index("patient.phone", &normalize_phone(phone))
}
pub fn dob_token(crypto: &Crypto, dob: NaiveDate) -> String {
    crypto.blind_index("patient.dob", &dob.to_string())
}
pub fn medicare_token(crypto: &Crypto, number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    crypto.blind_index("patient.medicare", &digits)
}

/// The form a token takes while its patient is archived. Archived patients are then found only
/// by searches that ask for them, and a search for either kind counts its matches on the token
/// index alone.
pub fn archived(crypto: &Crypto, token: &str) -> String {
    crypto.blind_index("patient.archived", token)
}

/// Every token a patient is findable by.
pub fn tokens_for(crypto: &Crypto, p: &PatientInput) -> Vec<String> {
    let mut out = std::collections::BTreeSet::new();
    let names = [
        Some(p.first_name.as_str()),
        Some(p.last_name.as_str()),
        p.preferred_name.as_deref(),
    ];
    for name in names.into_iter().flatten() {
        for w in words(name) {
            let chars: Vec<char> = w.chars().collect();
            for n in 1..=chars.len().min(MAX_PREFIX) {
                out.insert(name_token(crypto, &chars[..n].iter().collect::<String>()));
            }
        }
    }
    if let Some(e) = &p.email {
        out.insert(email_token(crypto, e));
    }
    for ph in &p.phone_numbers {
        out.insert(phone_token(crypto, &ph.number));
    }
    if let Some(d) = p.date_of_birth {
        out.insert(dob_token(crypto, d));
    }
    if let Some(m) = &p.medicare_number {
        out.insert(medicare_token(crypto, m));
    }
    out.into_iter().collect()
}

/// What one word of a free-text query could match: any of these tokens.
pub fn query_word_tokens(crypto: &Crypto, word: &str) -> Vec<String> {
    let word = word.trim();
    if word.contains('@') {
        return vec![email_token(crypto, word)];
    }
    if let Some(d) = parse_date(word) {
        return vec![dob_token(crypto, d)];
    }
    if looks_like_number(word) {
        return vec![phone_token(crypto, word), medicare_token(crypto, word)];
    }
    let w = normalize_word(word);
    if w.is_empty() {
        return Vec::new();
    }
    let prefix: String = w.chars().take(MAX_PREFIX).collect();
    vec![name_token(crypto, &prefix)]
}

/// The words of a query. A query that is a whole phone number (spaces and all) is one word;
/// name words are split at hyphens and apostrophes, as names are when indexed.
pub fn query_words(q: &str) -> Vec<String> {
    let q = q.trim();
    if looks_like_number(q) {
        return vec![q.to_owned()];
    }
    let mut out = Vec::new();
    for w in q.split_whitespace() {
        if w.contains('@') || parse_date(w).is_some() || looks_like_number(w) {
            out.push(w.to_owned());
        } else {
            out.extend(words(w));
        }
    }
    out
}

fn looks_like_number(s: &str) -> bool {
    s.chars().filter(char::is_ascii_digit).count() >= 6
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// `YYYY-MM-DD` or the Australian `DD/MM/YYYY`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_before_hashing() {
        assert_eq!(normalize_word("Zoë"), "zoe");
        assert_eq!(normalize_word("O'Brien"), "obrien");
        let c = Crypto::ephemeral().unwrap();
        let p = PatientInput {
            first_name: "Zoë".into(),
            last_name: "Smith-Jones".into(),
            ..Default::default()
        };
        let tokens = tokens_for(&c, &p);
        for q in ["zo", "ZOE", "smi", "jones"] {
            let t = query_word_tokens(&c, q);
            assert!(t.iter().any(|t| tokens.contains(t)), "{q}");
        }
        assert!(!tokens.contains(&query_word_tokens(&c, "smx")[0]));
    }

    #[test]
    fn query_words_are_classified() {
        let c = Crypto::ephemeral().unwrap();
        assert_eq!(
            query_word_tokens(&c, "a@b.co"),
            vec![email_token(&c, "A@b.co")]
        );
        let d = NaiveDate::from_ymd_opt(1980, 2, 29).unwrap();
        assert_eq!(query_word_tokens(&c, "29/02/1980"), vec![dob_token(&c, d)]);
        assert_eq!(query_words("+61 412 345 678"), vec!["+61 412 345 678"]);
        assert_eq!(query_words("jane  smith"), vec!["jane", "smith"]);
        assert_eq!(
            query_words("O'Brien smith-jones"),
            vec!["o", "brien", "smith", "jones"]
        );
        assert_eq!(
            query_word_tokens(&c, "+61 412 345 678")[0],
            phone_token(&c, "0412345678")
        );
    }
}
