//! The client speaks https, or plain http only to this device (the demo, tests and QA): a
//! session token or a shopper's lists never travel in clear, whatever a server or a catalog says.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use moa_core::{Error, FixedClock, Moa, MoaConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const NOW: i64 = 1_795_000_000;

fn open(server: &str) -> Result<Moa, Error> {
    let dir = tempfile::tempdir().unwrap().keep();
    Moa::open(MoaConfig::new(dir).server(server).clock(FixedClock::at_secs(NOW)))
}

#[test]
fn a_server_in_clear_text_is_refused_unless_it_is_this_device() {
    for refused in ["http://api.moa.app/", "http://10.0.0.7:8080/", "http://localhost.example/"] {
        assert!(matches!(open(refused), Err(Error::InvalidInput(_))), "{refused} was accepted");
    }
    for accepted in ["https://api.moa.app/", "http://127.0.0.1:9/", "http://localhost:9/", "http://[::1]:9/"] {
        assert!(open(accepted).is_ok(), "{accepted} was refused");
    }
}

/// A loopback "server" that answers every request with a redirect to `location`, counting them.
async fn redirecting_to(location: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let answer =
                format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (url, requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_plain_http_is_not_followed() {
    let (url, requests) = redirecting_to("http://catalog.example/v1/malls").await;
    let moa = open(&url).unwrap();
    // Refused, not tried: a connection to the (unreachable) target would be Offline or Network.
    let error = moa.sync().await.unwrap_err();
    assert!(matches!(&error, Error::Protocol(m) if m.contains("plain http")), "{error:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 1, "asked once, and not again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_in_clear_text_is_not_fetched() {
    let (url, requests) = redirecting_to("http://cdn.example/p.jpg").await;
    let moa = open(&url).unwrap();
    let error = moa.thumbnail("http://cdn.example/p.jpg", 400).await.unwrap_err();
    assert!(matches!(error, Error::InvalidInput(_)), "{error:?}");
    // Through a redirect from this device's server, neither.
    let error = moa.thumbnail("/v1/images/x.jpg", 400).await.unwrap_err();
    assert!(matches!(&error, Error::Protocol(m) if m.contains("plain http")), "{error:?}");
    assert_eq!(requests.load(Ordering::SeqCst), 1);
}
