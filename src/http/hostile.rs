//! For tests of pacer's HTML: the check that hostile text fed in stayed text.

/// No tag or attribute written by anyone but pacer: the hostile text is only ever text.
pub fn assert_escaped(html: &str) {
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("\"'>"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&quot;'&gt;&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
}
