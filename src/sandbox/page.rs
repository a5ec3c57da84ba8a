//! The sandbox in HTML: pacer's platform-neutral messages rendered as a chat would show them,
//! and the page around them with a little plain JavaScript. Everything goes through maud, which
//! escapes every value it is given; only the style sheet and the script below, which are ours,
//! go in as they are.

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::inbox::{Body, Posted};
use crate::domain::Status;
use crate::message::{Block, Button, ButtonStyle, Message, Rich, Span};
use crate::rhythm::prompt::ACTION_UPDATE;

fn chip(s: Status) -> Markup {
    html! { span class={ "chip " (s.as_str()) } { (s.label()) } }
}

fn span(span: &Span) -> Markup {
    match span {
        Span::Text(s) => html! { (s) },
        Span::Bold(s) => html! { b { (s) } },
        Span::Italic(s) => html! { i { (s) } },
        Span::Code(s) => html! { code { (s) } },
        Span::User { name, .. } => html! { span class="mention" { "@" (name) } },
        Span::Channel { id, name } => {
            // A channel pacer knows only by id still reads as a name: `C-platform` → #platform.
            let label = name
                .as_deref()
                .or(id.as_deref().map(|i| i.trim_start_matches("C-")))
                .unwrap_or("channel");
            html! { span class="mention" { "#" (label) } }
        }
        Span::Status(s) => chip(*s),
        Span::Priority(n) => html! { b class="num" { (n) } },
        Span::LineBreak => html! { br; },
    }
}

fn rich(r: &Rich) -> Markup {
    html! {
        @for s in &r.0 {
            (span(s))
        }
    }
}

/// The update button opens the check-in form in the page; every other button is a click the
/// server answers.
fn button(b: &Button, message_id: u64) -> Markup {
    let style = match b.style {
        ButtonStyle::Primary => "primary",
        ButtonStyle::Danger => "danger",
        ButtonStyle::Default => "",
    };
    if let Some(form) = &b.form {
        let spec = super::form_json(form).to_string();
        return html! {
            button class={ "btn " (style) } data-kind="pform" data-msg=(message_id)
                data-action=(b.action) data-value=(b.value) data-form=(spec) { (b.label) }
        };
    }
    let kind = if b.action == ACTION_UPDATE {
        "form"
    } else {
        "click"
    };
    html! {
        button class={ "btn " (style) } data-kind=(kind) data-msg=(message_id)
            data-action=(b.action) data-value=(b.value) { (b.label) }
    }
}

/// One of pacer's messages as HTML; buttons carry the message id so a click finds it.
pub fn message(m: &Message, message_id: u64) -> Markup {
    html! {
        @for block in &m.blocks {
            @match block {
                Block::Header(h) => { div class="hd" { (h) } }
                Block::Text(r) => { p { (rich(r)) } }
                Block::Context(r) => { p class="ctx" { (rich(r)) } }
                Block::Fields(fs) => {
                    div class="fields" {
                        @for f in fs {
                            div { (rich(f)) }
                        }
                    }
                }
                Block::Divider => { hr; }
                Block::Actions(buttons) => {
                    div class="actions" {
                        @for b in buttons {
                            (button(b, message_id))
                        }
                    }
                }
            }
        }
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%a %-d %b %H:%M").to_string()
}

fn one(post: &Posted, replies: usize) -> Markup {
    let (who, avatar) = match &post.body {
        Body::Pacer(_) => ("pacer", "bot"),
        Body::Typed { name, .. } => (name.as_str(), "person"),
    };
    let initial = who.chars().next().unwrap_or('?').to_uppercase().to_string();
    html! {
        div class="msg" id={ "m" (post.id) } {
            div class={ "av " (avatar) } { (initial) }
            div class="mb" {
                div class="meta" {
                    b { (who) } " " span class="t" { (time(post.at)) }
                    @if post.visible_to.is_some() {
                        span class="private" { "Only visible to you" }
                    }
                }
                @match &post.body {
                    Body::Pacer(m) => { (message(m, post.id)) }
                    Body::Typed { text, .. } => { p { (text) } }
                }
                @if replies > 0 {
                    div class="replies" {
                        (replies) " " (if replies == 1 { "reply" } else { "replies" }) " in thread"
                    }
                }
            }
        }
    }
}

/// A channel's messages with each thread under the message it replies to.
pub fn conversation(messages: &[Posted]) -> String {
    let markup = if messages.is_empty() {
        html! {
            div class="empty" { "Nothing here yet. Type a command below, like " code { "/pacer help" } "." }
        }
    } else {
        html! {
            @for m in messages.iter().filter(|m| m.thread.is_none()) {
                @let replies: Vec<&Posted> = messages.iter().filter(|r| r.thread == Some(m.id)).collect();
                (one(m, replies.len()))
                @if !replies.is_empty() {
                    div class="thread" {
                        @for r in replies {
                            (one(r, 0))
                        }
                    }
                }
            }
        }
    };
    markup.into_string()
}

/// The whole page. People and channels are filled in by the script from the JSON routes.
pub fn shell() -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "pacer sandbox" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (sidebar())
                main {
                    header id="title" { "#general" }
                    div id="log" {}
                    form id="cmd" autocomplete="off" {
                        input id="text" placeholder="/pacer help" aria-label="Command";
                        button { "Send" }
                    }
                }
                (check_in_form())
                dialog id="pform" {
                    form method="dialog" id="pformbody" {
                        h2 id="ptitle" {}
                        p id="pabout" class="ctx" {}
                        div id="pfields" {}
                        div class="err" id="p-error" {}
                        menu {
                            button value="cancel" formnovalidate { "Cancel" }
                            button id="psave" value="save" { "Save" }
                        }
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
    .into_string()
}

/// Who you are, where you are, and the button that moves the rhythm along.
fn sidebar() -> Markup {
    html! {
        aside {
            h1 { "pacer " span { "sandbox: pacer without Slack or Teams" } }
            div { label for="who" { "You are" } select id="who" {} }
            form id="join" autocomplete="off" {
                input id="newname" placeholder="or join as… (a name)" aria-label="Join as a new person";
                button { "Join" }
            }
            div class="sec" { "Channels" }
            div class="chans" id="channels" {}
            div class="sec" { "Direct messages" }
            div class="chans" id="dms" {}
            div class="sec" { "Rhythm" }
            div id="clock" {}
            button id="run"
                title="Fire the next due check-in, reminder or digest now, through the same engine as pacer tick"
                { "▶ Run the rhythm now" }
            div id="fired" {}
        }
    }
}

/// The check-in form an update button opens; the script fills it and shows what the server
/// refused under each field.
fn check_in_form() -> Markup {
    html! {
        dialog id="form" {
            form method="dialog" id="formbody" {
                h2 id="ftitle" { "Check-in" }
                label for="fstatus" { "Status" }
                select id="fstatus" {
                    @for s in Status::ALL {
                        option value=(s.as_str()) { (s.label()) }
                    }
                }
                div class="err" id="e-status" {}
                label for="fprogress" { "Progress (%)" }
                input id="fprogress" inputmode="numeric";
                div class="err" id="e-progress" {}
                label for="fnote" { "Note" }
                textarea id="fnote" rows="3" {}
                div class="err" id="e-note" {}
                label for="fblocker" { "Blocker (what or who you are waiting on)" }
                input id="fblocker";
                div class="err" id="e-blocker" {}
                menu {
                    button value="cancel" formnovalidate { "Cancel" }
                    button id="fsave" value="save" { "Save" }
                }
            }
        }
    }
}

const STYLE: &str = r##"
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1c1d;height:100vh;display:flex}
aside{width:250px;background:#1f3a5f;color:#e8eef6;display:flex;flex-direction:column;padding:14px;gap:10px;overflow:auto}
aside h1{font-size:18px;margin:0}aside h1 span{font-weight:400;opacity:.7;font-size:12px;display:block}
aside label{font-size:12px;opacity:.8}aside select{width:100%;padding:5px;border-radius:5px;border:0}
#join{display:flex;gap:4px}#join input{flex:1;min-width:0;padding:4px 6px;border-radius:5px;border:0;font-size:12px}
#join button{border:0;border-radius:5px;background:#3b6ea5;color:#fff;font-size:12px;padding:0 8px;cursor:pointer}
.chans a{display:block;color:#e8eef6;text-decoration:none;padding:4px 8px;border-radius:5px;cursor:pointer}
.chans a.on{background:#3b6ea5;color:#fff;font-weight:600}.chans a:hover{background:#2c5282}
.sec{font-size:11px;text-transform:uppercase;letter-spacing:.05em;opacity:.6;margin-top:6px}
#run{background:#2e9e6b;color:#fff;border:0;border-radius:6px;padding:9px;font-weight:600;cursor:pointer}
#run:hover{background:#27885c}#clock,#fired{font-size:12px;opacity:.85}
main{flex:1;display:flex;flex-direction:column;min-width:0}
main header{padding:12px 18px;border-bottom:1px solid #ddd;font-weight:700;font-size:16px}
#log{flex:1;overflow:auto;padding:10px 18px}
.msg{display:flex;gap:10px;padding:6px 0}.av{width:34px;height:34px;border-radius:6px;display:flex;align-items:center;justify-content:center;color:#fff;font-weight:700;flex:none}
.av.bot{background:#1f3a5f}.av.person{background:#8a6d3b}.mb{min-width:0;flex:1}.meta .t{color:#777;font-size:12px}
.private{margin-left:8px;font-size:11px;color:#777;background:#eee;border-radius:4px;padding:1px 5px}
.mb p{margin:3px 0}.hd{font-weight:700;font-size:15px;margin:2px 0}.ctx{color:#616061;font-size:12px}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin:4px 0}hr{border:0;border-top:1px solid #e5e5e5}
.thread{margin-left:44px;border-left:3px solid #d0dae6;padding-left:10px}.replies{color:#1264a3;font-size:12px;margin-top:2px}
.mention{background:#e8f0fb;color:#1264a3;border-radius:3px;padding:0 2px}.num{color:#1f3a5f}
code{background:#f3f3f3;border:1px solid #e1e1e1;border-radius:3px;padding:0 3px;font-size:12px}
.chip{border-radius:10px;padding:0 7px;font-size:12px;font-weight:600}
.chip.on-track{background:#dcf5e7;color:#067647}.chip.at-risk{background:#fff1d6;color:#b54708}
.chip.off-track{background:#fde4e1;color:#b42318}.chip.done{background:#e4ecfb;color:#1f4fb2}.chip.dropped{background:#eee;color:#666}
.actions{display:flex;flex-wrap:wrap;gap:6px;margin:5px 0}
.btn{border:1px solid #c9c9c9;background:#fff;border-radius:5px;padding:4px 10px;cursor:pointer;font-size:13px}
.btn.primary{background:#007a5a;color:#fff;border-color:#007a5a}.btn.danger{color:#b42318;border-color:#e4a29b}
.empty{color:#777;padding:30px 0;text-align:center}
form#cmd{display:flex;gap:8px;padding:12px 18px;border-top:1px solid #ddd}
#text{flex:1;padding:9px 11px;border:1px solid #bbb;border-radius:7px;font-size:14px}
form#cmd button{padding:0 16px;border:0;border-radius:7px;background:#1f3a5f;color:#fff;font-weight:600}
dialog{border:0;border-radius:10px;box-shadow:0 10px 40px #0004;width:420px}dialog h2{margin-top:0;font-size:17px}
dialog label{display:block;margin:8px 0 3px;font-weight:600;font-size:13px}
dialog input,dialog select,dialog textarea{width:100%;padding:6px;border:1px solid #bbb;border-radius:5px;font:inherit}
dialog .err{color:#b42318;font-size:12px;min-height:1em}dialog menu{display:flex;justify-content:flex-end;gap:8px;padding:0;margin:14px 0 0}
"##;

const SCRIPT: &str = r##"
const $=s=>document.querySelector(s);let me=localStorage.getItem('pacer.who')||'',chan='C-general',seen='',formCtx=null;
async function api(path,body){const r=await fetch(path,body?{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(body)}:{});
 const j=r.headers.get('content-type')||'';return {ok:r.ok,status:r.status,data:j.includes('json')?await r.json():await r.text()};}
async function loadPeople(){const r=await api('/sandbox/people');const sel=$('#who');sel.innerHTML='';
 for(const p of r.data){const o=document.createElement('option');o.value=p.id;o.textContent=p.name+(p.tz?' · '+p.tz:'');sel.appendChild(o);}
 if(!r.data.some(p=>p.id===me)&&r.data.length)me=r.data[0].id;sel.value=me;}
async function loadChannels(){if(!me)return;const r=await api('/sandbox/channels?as='+encodeURIComponent(me));
 const c=$('#channels'),d=$('#dms');c.innerHTML='';d.innerHTML='';
 for(const ch of r.data){const a=document.createElement('a');a.textContent=ch.label;a.dataset.id=ch.id;a.className=ch.id===chan?'on':'';
  a.onclick=()=>{chan=ch.id;seen='';$('#title').textContent=ch.label;loadChannels();refresh();};(ch.kind==='dm'?d:c).appendChild(a);
  if(ch.id===chan)$('#title').textContent=ch.label;}}
async function refresh(){if(!me){$('#log').innerHTML='<div class="empty">Nobody is here yet: join with your name on the left, then type <code>/pacer help</code>.</div>';return;}const r=await api('/sandbox/messages?as='+encodeURIComponent(me)+'&channel='+encodeURIComponent(chan));
 if(r.ok&&r.data!==seen){const log=$('#log');const atEnd=log.scrollTop+log.clientHeight>=log.scrollHeight-40;seen=r.data;log.innerHTML=r.data;if(atEnd||!log.dataset.once){log.scrollTop=log.scrollHeight;log.dataset.once=1;}}
 const c=await api('/sandbox/clock');if(c.ok)$('#clock').textContent='Sandbox time: '+c.data.now;}
$('#who').onchange=e=>{me=e.target.value;localStorage.setItem('pacer.who',me);if(chan.startsWith('D-'))chan='D-'+me;seen='';loadChannels();refresh();};
$('#join').onsubmit=async e=>{e.preventDefault();const name=$('#newname').value.trim();if(!name)return;
 const tz=Intl.DateTimeFormat().resolvedOptions().timeZone;const r=await api('/sandbox/people',{name,tz});
 if(!r.ok){alert(r.data.error||'failed');return;}$('#newname').value='';me=r.data.id;localStorage.setItem('pacer.who',me);
 await loadPeople();await loadChannels();await refresh();};
$('#cmd').onsubmit=async e=>{e.preventDefault();const t=$('#text').value.trim();if(!t)return;$('#text').value='';
 const r=await api('/sandbox/command',{as:me,channel:chan,text:t});if(!r.ok)alert(r.data.error||'failed');await loadChannels();await refresh();};
$('#run').onclick=async()=>{$('#run').disabled=true;const r=await api('/sandbox/rhythm',{});$('#run').disabled=false;
 $('#fired').textContent=r.ok?r.data.summary:'failed';await loadChannels();await refresh();};
$('#log').onclick=async e=>{const b=e.target.closest('button.btn');if(!b)return;
 if(b.dataset.kind==='form'){const r=await api('/sandbox/form?as='+encodeURIComponent(me)+'&value='+encodeURIComponent(b.dataset.value));
  if(!r.ok){alert(r.data.error);return;}formCtx={msg:b.dataset.msg,value:b.dataset.value};$('#ftitle').textContent='Check-in #'+r.data.number+' '+r.data.title;
  $('#fstatus').value=r.data.status;$('#fprogress').value=r.data.progress;$('#fnote').value='';$('#fblocker').value='';
  document.querySelectorAll('.err').forEach(x=>x.textContent='');$('#form').showModal();return;}
 if(b.dataset.kind==='pform'){openForm(JSON.parse(b.dataset.form),b.dataset.msg);return;}
 b.disabled=true;const r=await api('/sandbox/action',{as:me,message:+b.dataset.msg,action:b.dataset.action,value:b.dataset.value});
 if(!r.ok)alert(r.data.error||'failed');await refresh();};
$('#fsave').onclick=async e=>{e.preventDefault();const r=await api('/sandbox/form',{as:me,message:+formCtx.msg,value:formCtx.value,
 status:$('#fstatus').value,progress:$('#fprogress').value,note:$('#fnote').value,blocker:$('#fblocker').value});
 document.querySelectorAll('.err').forEach(x=>x.textContent='');
 if(r.ok){$('#form').close();await refresh();}else{for(const [k,v] of Object.entries(r.data.errors||{status:r.data.error}))($('#e-'+k)||$('#e-status')).textContent=v;}};
let pctx=null;
function openForm(f,msg){pctx={f,msg};$('#ptitle').textContent=f.title;$('#pabout').textContent=f.about||'';$('#psave').textContent=f.submit;
 const box=$('#pfields');box.innerHTML='';$('#p-error').textContent='';
 for(const x of f.fields){const l=document.createElement('label');l.htmlFor='pf-'+x.id;l.textContent=x.label;box.appendChild(l);
  const i=document.createElement(x.multiline?'textarea':'input');i.id='pf-'+x.id;if(x.kind==='date')i.type='date';
  if(x.kind==='person')i.placeholder='A name, like @ben';if(x.max)i.maxLength=x.max;if(x.required)i.required=true;box.appendChild(i);
  const e=document.createElement('div');e.className='err';e.id='pe-'+x.id;box.appendChild(e);}
 $('#pform').showModal();}
$('#psave').onclick=async e=>{e.preventDefault();const fields={};for(const x of pctx.f.fields){const v=$('#pf-'+x.id).value;if(v!=='')fields[x.id]=v;}
 const r=await api('/sandbox/submit',{as:me,message:+pctx.msg,action:pctx.f.action,value:pctx.f.value,fields});
 document.querySelectorAll('#pform .err').forEach(x=>x.textContent='');
 if(r.ok){$('#pform').close();await refresh();}else if(r.data.errors){for(const [k,v] of Object.entries(r.data.errors))($('#pe-'+k)||$('#p-error')).textContent=v;}
 else{$('#p-error').textContent=r.data.error||'failed';}};
(async()=>{await loadPeople();localStorage.setItem('pacer.who',me);await loadChannels();await refresh();setInterval(refresh,1500);})();
"##;

#[cfg(test)]
#[path = "page_tests.rs"]
mod tests;
