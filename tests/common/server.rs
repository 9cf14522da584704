//! A real `faq serve` process on a loopback socket, for the socket and browser tests.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Server {
    pub child: Child,
    pub address: String,
    pub log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `faq serve --addr 127.0.0.1:0 [extra…]` in `dir` and waits until it listens.
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        Server::start_with_env(dir, extra, &[])
    }

    /// [`Server::start`] with environment variables set.
    pub fn start_with_env(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = super::faq_command(dir);
        command.envs(env.iter().copied()).args(["serve", "--addr", "127.0.0.1:0"]).args(extra);
        Server::spawn(command)
    }

    /// Starts `command` (a `faq serve` on `127.0.0.1:0`, perhaps wrapped in a shell) and waits
    /// until it listens.
    pub fn spawn(mut command: Command) -> Server {
        let mut child =
            command.env("RUST_LOG", "info,tantivy=warn").stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let mut reader = BufReader::new(child.stderr.take().unwrap());
        let log = Arc::new(Mutex::new(String::new()));
        let deadline = Instant::now() + Duration::from_secs(60);
        let address = loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 || Instant::now() > deadline {
                panic!("faq serve did not start: {}", log.lock().unwrap());
            }
            log.lock().unwrap().push_str(&line);
            if let Some(rest) = line.split("serving on http://").nth(1) {
                break rest.split('/').next().unwrap().to_string();
            }
        };
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&line);
                sink.lock().unwrap().push('\n');
            }
        });
        Server { child, address, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A plain HTTP/1.1 GET over a new connection: (status, head, body).
    pub fn get(&self, path_and_query: &str) -> (u16, String, String) {
        self.request(&format!("GET {path_and_query} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.address))
    }

    /// A GET with extra header lines (each ending in `\r\n`).
    pub fn get_with(&self, path_and_query: &str, headers: &str) -> (u16, String, String) {
        self.request(&format!("GET {path_and_query} HTTP/1.1\r\nHost: {}\r\n{headers}Connection: close\r\n\r\n", self.address))
    }

    /// Sends `request` as is (head and body; it should ask for `Connection: close`) over a
    /// new connection: (status, head, body).
    pub fn request(&self, request: &str) -> (u16, String, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        // A server that answers before reading a whole body may reset the connection after
        // its response: what arrived is the answer.
        if let Err(error) = stream.read_to_end(&mut raw) {
            assert!(!raw.is_empty(), "no response: {error}");
        }
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4).unwrap_or(raw.len());
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let body = &raw[split..];
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.to_vec() };
        (status, head, String::from_utf8_lossy(&body).into_owned())
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").args([format!("-{name}"), self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit and returns its exit code.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..line_end]).ok().and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
        let tail = &rest[line_end + 2..];
        match size {
            Some(size) if size > 0 && tail.len() >= size => {
                out.extend_from_slice(&tail[..size]);
                rest = tail[size..].strip_prefix(b"\r\n").unwrap_or(&tail[size..]);
            }
            _ => break,
        }
    }
    out
}
