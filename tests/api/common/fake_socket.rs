//! A fake Slack Socket Mode server on loopback, part of the fake Slack: `apps.connections.open`
//! (with an app-level `xapp-` token only) hands out `ws://127.0.0.1:…/link/?ticket=…` URLs;
//! each connection is greeted with `hello`, and a test sends envelopes down any connection,
//! reads the acknowledgements, asks for a refresh (`disconnect`), drops a connection, or makes
//! one go silent (it stops reading, so pings go unanswered). As Slack does, an envelope not
//! acknowledged within three seconds can be delivered again (`redeliver`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

enum Out {
    Text(String),
    Close,
    Silence,
}

struct Conn {
    tx: mpsc::UnboundedSender<Out>,
    open: bool,
}

#[derive(Default)]
pub struct SocketHub {
    conns: Mutex<Vec<Conn>>,
    /// Acknowledgements by envelope id: (connection, the whole ack).
    acks: Mutex<HashMap<String, Vec<(usize, Value)>>>,
    /// Envelopes sent, by id, to deliver again.
    sent: Mutex<HashMap<String, Value>>,
    pub opened: AtomicUsize,
    next_envelope: AtomicUsize,
}

pub type Hub = Arc<SocketHub>;

/// The WebSocket route (`/link/`).
pub async fn upgrade(State(hub): State<Hub>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| serve(hub, socket))
}

async fn serve(hub: Hub, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let id = {
        let mut conns = hub.conns.lock().unwrap();
        conns.push(Conn { tx, open: true });
        conns.len() - 1
    };
    let hello = json!({
        "type": "hello", "num_connections": hub.open_connections(),
        "debug_info": {"host": "fake-socket", "approximate_connection_time": 18060},
        "connection_info": {"app_id": "A0PACER"}
    });
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        hub.closed(id);
        return;
    }
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(t)) => {
                    if socket.send(Message::Text(t.into())).await.is_err() {
                        break;
                    }
                }
                Some(Out::Close) | None => {
                    let _ = socket.send(Message::Close(None)).await;
                    break;
                }
                Some(Out::Silence) => {
                    // Hold the connection open and answer nothing, not even pings.
                    hub.closed(id);
                    tokio::time::sleep(Duration::from_secs(120)).await;
                    return;
                }
            },
            frame = socket.recv() => match frame {
                Some(Ok(Message::Text(t))) => {
                    let Ok(ack) = serde_json::from_str::<Value>(&t) else { continue };
                    if let Some(envelope) = ack.get("envelope_id").and_then(Value::as_str) {
                        hub.acks
                            .lock()
                            .unwrap()
                            .entry(envelope.to_string())
                            .or_default()
                            .push((id, ack.clone()));
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    hub.closed(id);
}

impl SocketHub {
    /// `apps.connections.open`'s answer for `base` (`ws://127.0.0.1:port`).
    pub fn open_answer(&self, base: &str) -> Value {
        let n = self.opened.fetch_add(1, Ordering::SeqCst);
        json!({"ok": true, "url": format!("{}/link/?ticket=t{n}&app_id=A0PACER", base.replacen("http", "ws", 1))})
    }

    fn closed(&self, id: usize) {
        if let Some(c) = self.conns.lock().unwrap().get_mut(id) {
            c.open = false;
        }
    }

    pub fn open_connections(&self) -> usize {
        self.conns.lock().unwrap().iter().filter(|c| c.open).count()
    }

    /// The open connections' ids.
    pub fn open_ids(&self) -> Vec<usize> {
        let conns = self.conns.lock().unwrap();
        (0..conns.len()).filter(|i| conns[*i].open).collect()
    }

    /// Wait (bounded, 30 s) until `n` connections are open.
    pub async fn wait_open(&self, n: usize) -> Vec<usize> {
        for _ in 0..3000 {
            let ids = self.open_ids();
            if ids.len() >= n {
                return ids;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "{n} Socket Mode connections expected, {} open",
            self.open_connections()
        );
    }

    fn push(&self, conn: usize, out: Out) -> bool {
        let conns = self.conns.lock().unwrap();
        conns
            .get(conn)
            .is_some_and(|c| c.open && c.tx.send(out).is_ok())
    }

    /// Send an envelope of `kind` with `payload` down connection `conn`; its envelope id.
    pub fn send(&self, conn: usize, kind: &str, payload: Value) -> String {
        let n = self.next_envelope.fetch_add(1, Ordering::SeqCst);
        let id = format!("e{n:04}-{kind}");
        let envelope = json!({
            "envelope_id": id, "type": kind, "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0, "retry_reason": ""
        });
        self.sent
            .lock()
            .unwrap()
            .insert(id.clone(), envelope.clone());
        assert!(
            self.push(conn, Out::Text(envelope.to_string())),
            "connection {conn} is not open"
        );
        id
    }

    /// Deliver an envelope again (as Slack does when its ack did not arrive), on `conn`.
    pub fn redeliver(&self, conn: usize, envelope_id: &str) {
        let mut envelope = self.sent.lock().unwrap()[envelope_id].clone();
        envelope["retry_attempt"] = json!(1);
        envelope["retry_reason"] = json!("timeout");
        assert!(
            self.push(conn, Out::Text(envelope.to_string())),
            "connection {conn} is not open"
        );
    }

    /// Ask for a new connection, as Slack does before it refreshes one, then close this one.
    pub fn disconnect(&self, conn: usize, reason: &str) {
        let frame =
            json!({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-socket"}});
        self.push(conn, Out::Text(frame.to_string()));
        self.push(conn, Out::Close);
    }

    /// Close a connection without a word.
    pub fn drop_connection(&self, conn: usize) {
        self.push(conn, Out::Close);
    }

    /// Stop answering on a connection, leaving it open.
    pub fn silence(&self, conn: usize) {
        self.push(conn, Out::Silence);
    }

    pub fn acks(&self, envelope_id: &str) -> Vec<(usize, Value)> {
        self.acks
            .lock()
            .unwrap()
            .get(envelope_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Wait (bounded, 10 s) for an envelope's first acknowledgement.
    pub async fn wait_ack(&self, envelope_id: &str) -> Value {
        for _ in 0..1000 {
            if let Some((_, ack)) = self.acks(envelope_id).into_iter().next() {
                return ack;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("envelope {envelope_id} was never acknowledged");
    }
}
