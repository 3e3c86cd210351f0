//! The HTTP/1.1 server loop every harness endpoint (Runtime API, Invoke API, `ResponseURL`)
//! runs on, with hyper. Plain `http://` on loopback only. Clients (the harness's own calls and
//! tests talking to an endpoint by hand) use `reqwest`.

use std::{future::Future, io, net::SocketAddr, sync::Arc};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{
    HeaderMap, Method, Request, Response, StatusCode,
    body::Incoming,
    header::{CONTENT_TYPE, HeaderName, HeaderValue},
};
use hyper_util::rt::TokioIo;
use tokio::{
    net::{TcpListener, TcpStream},
    task::{JoinHandle, JoinSet},
};

/// Decodes `%XX` escapes (as in a URL path segment). Invalid escapes are kept as is.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A request as a harness server's handler sees it: the body already read.
#[derive(Debug)]
pub(crate) struct ServerRequest {
    pub method: Method,
    /// The path, still percent-encoded.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ServerRequest {
    /// A header's value as text, if present and valid UTF-8.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The non-empty path segments, still percent-encoded.
    pub(crate) fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }
}

/// The response type of harness servers.
pub(crate) type ServerResponse = Response<Full<Bytes>>;

/// Why a handler gives no response.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HandlerError {
    /// The handler wants the connection closed without an answer.
    #[error("connection dropped on purpose")]
    DropConnection,
    /// The request body could not be read.
    #[error("reading the request body: {0}")]
    Body(#[from] hyper::Error),
}

/// Builds a response; falls back to a bare 500 if a header is invalid (never
/// the case for the constant headers the harness uses).
pub(crate) fn response(
    status: StatusCode,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> ServerResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    for (name, value) in headers {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                response.headers_mut().append(name, value);
            }
            _ => {
                tracing::warn!(header = name, "harness built an invalid response header");
                *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
    }
    response
}

/// A JSON response.
pub(crate) fn json_response(
    status: StatusCode,
    headers: &[(&str, &str)],
    body: &serde_json::Value,
) -> ServerResponse {
    let mut response = response(status, headers, body.to_string());
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// A running HTTP/1.1 server; stops (and drops its open connections) when dropped.
#[derive(Debug)]
pub(crate) struct Server {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Binds `127.0.0.1:0`.
    pub(crate) async fn bind_loopback() -> io::Result<TcpListener> {
        TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await
    }

    /// Serves `handler` on `listener` until dropped. Each connection runs on its
    /// own task; a handler returning [`HandlerError`] closes its connection.
    pub(crate) fn serve<H, Fut>(listener: TcpListener, handler: H) -> io::Result<Self>
    where
        H: Fn(ServerRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ServerResponse, HandlerError>> + Send + 'static,
    {
        let addr = listener.local_addr()?;
        let handler = Arc::new(handler);
        let task = tokio::spawn(async move {
            // Owned by this task: aborting the task drops (aborts) every connection.
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((stream, _)) => {
                            connections.spawn(serve_connection(stream, Arc::clone(&handler)));
                        }
                        Err(error) => {
                            tracing::debug!(%error, "accept failed");
                            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        }
                    },
                    Some(_) = connections.join_next(), if !connections.is_empty() => {}
                }
            }
        });
        Ok(Self { addr, task })
    }

    /// The bound address.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_connection<H, Fut>(stream: TcpStream, handler: Arc<H>)
where
    H: Fn(ServerRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<ServerResponse, HandlerError>> + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let handler = Arc::clone(&handler);
        async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            handler(ServerRequest {
                method: parts.method,
                path: parts.uri.path().to_owned(),
                headers: parts.headers,
                body,
            })
            .await
        }
    });
    if let Err(error) = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::trace!(%error, "connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(
            percent_decode("arn%3Aaws%3Alambda%3aus-east-1"),
            "arn:aws:lambda:us-east-1"
        );
        assert_eq!(percent_decode("a%zz%4"), "a%zz%4");
    }
}
