//! Writing CSV that spreadsheets open safely.
//!
//! A spreadsheet runs a cell as a formula when it starts with `=`, `+`, `-` or `@`, and some do
//! so after leading spaces or control characters, with a tab or carriage return first, or with
//! the full-width forms of those signs. Such a cell is prefixed with `'`, which spreadsheets
//! read as "text", so exported data can never run.

/// One CSV cell: defused if a spreadsheet could run it, quoted when it needs to be.
pub fn field(value: &str) -> String {
    let safe = if runs_as_formula(value) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if safe.contains([',', '"', '\n', '\r'])
        || safe.starts_with(char::is_whitespace)
        || safe.ends_with(char::is_whitespace)
    {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

/// One CSV line from its cells, each through [`field`], ending in a newline.
pub fn line<'a>(cells: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = cells.into_iter().map(field).collect::<Vec<_>>().join(",");
    out.push('\n');
    out
}

fn runs_as_formula(value: &str) -> bool {
    if value.starts_with(['\t', '\r', '\n']) {
        return true;
    }
    value
        .trim_start_matches(|c: char| c.is_whitespace() || c.is_control())
        .starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_kept_as_text() {
        for cell in [
            "=SUM(A1)",
            "+1+2",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "  =HYPERLINK(\"http://x\")",
            "\u{00a0}=1",
            "＝1+1",
            "\u{0007}=1",
        ] {
            let out = field(cell);
            let unquoted = out
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .unwrap_or(&out);
            assert!(unquoted.starts_with('\''), "{cell:?} became {out:?}");
        }
    }

    #[test]
    fn ordinary_cells_are_left_alone_and_separators_are_quoted() {
        assert_eq!(field("Systolic"), "Systolic");
        assert_eq!(field("120.5"), "120.5");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field(" padded"), "\" padded\"");
        assert_eq!(line(["a", "=b"]), "a,'=b\n");
    }
}
