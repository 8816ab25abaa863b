//! The rich-text allow-list for notes and templates: what a clinician may format survives, and
//! nothing that could run or track in a reader's browser does.

/// Keeps headings, paragraphs, emphasis, lists, quotes and web, mail and phone links; removes
/// every other tag, attribute, style and script. Links open without the referrer.
pub(super) fn sanitize(html: &str) -> String {
    ammonia::Builder::empty()
        .add_tags([
            "h2",
            "h3",
            "h4",
            "p",
            "br",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "s",
            "ul",
            "ol",
            "li",
            "a",
            "blockquote",
        ])
        .add_tag_attributes("a", ["href"])
        .url_schemes(["http", "https", "mailto", "tel"].into())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    #[test]
    fn rich_text_keeps_formatting_and_loses_everything_else() {
        let dirty = r#"<h3 style="color:red" onclick="x()">Plan</h3><p>Take <b>two</b> <em>daily</em><script>alert(1)</script></p><ul><li>walk</li></ul><a href="javascript:alert(1)">bad</a> <a href="https://example.org/info">info</a><img src=x onerror=alert(1)><iframe src="https://evil"></iframe>"#;
        let clean = sanitize(dirty);
        assert!(clean.contains("<h3>Plan</h3>"));
        assert!(clean.contains("<b>two</b> <em>daily</em>"));
        assert!(clean.contains("<ul><li>walk</li></ul>"));
        assert!(clean.contains(
            r#"<a href="https://example.org/info" rel="noopener noreferrer nofollow">info</a>"#
        ));
        for gone in [
            "script",
            "onclick",
            "style",
            "javascript:",
            "<img",
            "onerror",
            "iframe",
        ] {
            assert!(!clean.contains(gone), "{gone} survived: {clean}");
        }
    }
}
