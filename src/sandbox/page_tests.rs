//! The sandbox's HTML from hand-made messages: every piece of text that came from people
//! (names, what they typed, what pacer quotes back, button values) arrives escaped, and the
//! page has every element its script looks for.

use chrono::TimeZone;

use super::*;
use crate::domain::PriorityNumber;
use crate::message::{Button, Visibility};

const SCRIPT_TAG: &str = "<script>alert(1)</script>";
const BREAKOUT: &str = "\"'><img src=x onerror=alert(1)>";

fn button(action: &str, value: &str, label: &str, style: ButtonStyle) -> Button {
    Button {
        label: label.into(),
        action: action.into(),
        value: value.into(),
        style,
        current: None,
        form: None,
    }
}

/// A message with every kind of block and span, each carrying hostile text.
fn everything() -> Message {
    let spans = Rich(vec![
        Span::Text(SCRIPT_TAG.into()),
        Span::Bold(BREAKOUT.into()),
        Span::Italic(SCRIPT_TAG.into()),
        Span::Code(BREAKOUT.into()),
        Span::User {
            id: "U1".into(),
            name: BREAKOUT.into(),
        },
        Span::Channel {
            id: None,
            name: Some(SCRIPT_TAG.into()),
        },
        Span::Channel {
            id: Some("C-platform".into()),
            name: None,
        },
        Span::Channel {
            id: None,
            name: None,
        },
        Span::Status(Status::AtRisk),
        Span::LineBreak,
        Span::Priority(PriorityNumber(12)),
    ]);
    Message {
        blocks: vec![
            Block::Header(SCRIPT_TAG.into()),
            Block::Text(spans.clone()),
            Block::Fields(vec![spans.clone(), Rich(vec![Span::Text(BREAKOUT.into())])]),
            Block::Divider,
            Block::Context(spans),
            Block::Actions(vec![
                button(ACTION_UPDATE, BREAKOUT, SCRIPT_TAG, ButtonStyle::Primary),
                button(BREAKOUT, SCRIPT_TAG, BREAKOUT, ButtonStyle::Danger),
                button("checkin:on-track", "7:1", "On track", ButtonStyle::Default),
            ]),
        ],
        visibility: Visibility::Shared,
    }
}

fn posted(id: u64, thread: Option<u64>, body: Body, private: bool) -> Posted {
    Posted {
        id,
        channel: "C-general".into(),
        thread,
        body,
        visible_to: private.then(|| "S-ana".to_string()),
        key: None,
        at: Utc.with_ymd_and_hms(2026, 11, 23, 8, 5, 0).unwrap(),
    }
}

fn typed(name: &str, text: &str) -> Body {
    Body::Typed {
        user_id: "S-x".into(),
        name: name.into(),
        text: text.into(),
    }
}

/// A channel where hostile people typed, pacer answered, and threads hang off messages.
fn hostile_channel() -> Vec<Posted> {
    vec![
        posted(1, None, typed(BREAKOUT, SCRIPT_TAG), false),
        posted(2, None, Body::Pacer(everything()), true),
        posted(3, Some(1), typed(SCRIPT_TAG, BREAKOUT), false),
        posted(4, Some(1), Body::Pacer(everything()), false),
        posted(5, Some(2), typed("ana", "thanks"), false),
        posted(6, None, typed("", "nameless"), false),
    ]
}

use crate::http::hostile::assert_escaped;

#[test]
fn hostile_names_messages_and_buttons_are_escaped() {
    let html = conversation(&hostile_channel());
    assert_escaped(&html);
    // In attributes too: a button's value cannot close its quote.
    assert!(
        html.contains("data-value=\"&quot;'&gt;&lt;img src=x onerror=alert(1)&gt;\""),
        "{html}"
    );
    // Every kind of span and block was rendered.
    for piece in [
        "<b class=\"num\">#12</b>",
        "<span class=\"mention\">#platform</span>",
        "<span class=\"mention\">#channel</span>",
        "<span class=\"chip at-risk\">At risk</span>",
        "<br>",
        "<hr>",
        "class=\"btn primary\" data-kind=\"form\" data-msg=\"2\"",
        "class=\"btn \" data-kind=\"click\"",
        "<span class=\"private\">Only visible to you</span>",
    ] {
        assert!(html.contains(piece), "no {piece} in {html}");
    }
}

#[test]
fn replies_sit_in_a_thread_under_their_message() {
    let html = conversation(&hostile_channel());
    assert!(html.contains("2 replies in thread") && html.contains("1 reply in thread"));
    let first = html.find("id=\"m1\"").unwrap();
    let thread = html.find("class=\"thread\"").unwrap();
    let reply = html.find("id=\"m3\"").unwrap();
    let next = html.find("id=\"m2\"").unwrap();
    assert!(first < thread && thread < reply && reply < next, "{html}");
    // A person without a name still gets an avatar.
    assert!(html.contains("<div class=\"av person\">?</div>"), "{html}");
}

#[test]
fn an_empty_channel_says_how_to_start() {
    assert!(conversation(&[]).contains("<code>/pacer help</code>"));
}

#[test]
fn the_page_has_every_element_its_script_looks_up() {
    let page = shell();
    let mut looked_up = 0;
    for id in SCRIPT
        .split("$('#")
        .skip(1)
        .filter_map(|rest| rest.split_once('\'').map(|(id, _)| id))
        .filter(|id| !id.ends_with('-'))
    {
        assert!(
            page.contains(&format!("id=\"{id}\"")),
            "no #{id} in the page"
        );
        looked_up += 1;
    }
    assert!(looked_up > 20, "the script's look-ups were found");
    for s in Status::ALL {
        assert!(page.contains(&format!("<option value=\"{}\">", s.as_str())));
    }
}
