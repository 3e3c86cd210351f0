//! An in-memory log that child processes' output is pumped into, line by line.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    sync::watch,
};

use crate::lock;

/// Environment variable: `1` echoes every captured line to the test's stderr.
pub const ECHO_LOGS_ENV: &str = "HARNESS_ECHO_LOGS";

/// One captured line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogLine {
    /// Who wrote it (a function name, `aws-emulator`...).
    pub source: String,
    /// The line, without its newline.
    pub line: String,
}

/// Lines from several sources, in arrival order.
#[derive(Debug)]
pub(crate) struct LogBook {
    lines: Mutex<Vec<LogLine>>,
    changed: watch::Sender<()>,
    echo: bool,
}

impl LogBook {
    /// An empty book; echoes to stderr when `HARNESS_ECHO_LOGS=1`.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            lines: Mutex::new(Vec::new()),
            changed: watch::Sender::new(()),
            echo: std::env::var(ECHO_LOGS_ENV).is_ok_and(|v| v == "1"),
        })
    }

    /// Appends a line.
    pub(crate) fn push(&self, source: &str, line: impl Into<String>) {
        let line = line.into();
        if self.echo {
            eprintln!("[{source}] {line}");
        }
        lock(&self.lines).push(LogLine {
            source: source.to_owned(),
            line,
        });
        self.changed.send_replace(());
    }

    /// The lines of one source (all sources with `None`).
    pub(crate) fn lines(&self, source: Option<&str>) -> Vec<String> {
        lock(&self.lines)
            .iter()
            .filter(|l| source.is_none_or(|s| l.source == s))
            .map(|l| l.line.clone())
            .collect()
    }

    /// How many lines it holds.
    pub(crate) fn len(&self) -> usize {
        lock(&self.lines).len()
    }

    /// The lines of one source (all sources with `None`) from the `start`-th line of the book.
    pub(crate) fn lines_from(&self, source: Option<&str>, start: usize) -> Vec<String> {
        lock(&self.lines)
            .iter()
            .skip(start)
            .filter(|l| source.is_none_or(|s| l.source == s))
            .map(|l| l.line.clone())
            .collect()
    }

    /// Every line with its source.
    pub(crate) fn entries(&self) -> Vec<LogLine> {
        lock(&self.lines).clone()
    }

    /// Waits until a line of `source` (any with `None`) contains `needle`.
    pub(crate) async fn wait_for(
        &self,
        source: Option<&str>,
        needle: &str,
        timeout: Duration,
    ) -> Option<String> {
        self.wait_for_from(source, 0, needle, timeout).await
    }

    /// [`wait_for`](Self::wait_for) among the lines from the `start`-th line of the book.
    pub(crate) async fn wait_for_from(
        &self,
        source: Option<&str>,
        start: usize,
        needle: &str,
        timeout: Duration,
    ) -> Option<String> {
        let mut changed = self.changed.subscribe();
        let find = || {
            lock(&self.lines)
                .iter()
                .skip(start)
                .find(|l| source.is_none_or(|s| l.source == s) && l.line.contains(needle))
                .map(|l| l.line.clone())
        };
        tokio::time::timeout(timeout, async {
            loop {
                if let Some(line) = find() {
                    return Some(line);
                }
                if changed.changed().await.is_err() {
                    return None;
                }
            }
        })
        .await
        .ok()
        .flatten()
    }

    /// Reads `reader` line by line into the book until EOF (on a spawned task).
    pub(crate) fn pump<R>(self: &Arc<Self>, source: String, reader: R)
    where
        R: AsyncRead + Unpin + Send + 'static,
    {
        let book = Arc::clone(self);
        tokio::spawn(async move {
            let mut reader = BufReader::new(reader);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&buf);
                        book.push(&source, text.trim_end_matches(['\n', '\r']));
                    }
                }
            }
        });
    }
}
