//! TLS for everything the server answers (PCI DSS 4.2.1): rustls with TLS 1.3 and 1.2 only and
//! their AEAD suites with forward secrecy (rustls offers no CBC, RC4, 3DES, RSA key exchange or
//! renegotiation at all). The certificate chain and key come from PEM files and are read again
//! when the files change or on SIGHUP; connections already open keep their session, new ones get
//! the new certificate, and a file that does not load leaves the old one in place.

use axum::serve::Listener;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// How long a client may take over its handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// Where the certificate chain and its key are, and how often to look for new ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub reload_every: Duration,
}

/// Why the certificate or key could not be used. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the TLS certificate chain {0}: no PEM certificate in it")]
    Certificate(PathBuf),
    #[error("cannot read the TLS private key {0}: no PEM private key in it")]
    Key(PathBuf),
    #[error("the TLS certificate and key do not form a usable pair: {0}")]
    Pair(rustls::Error),
}

/// The server's TLS settings from `files`: TLS 1.3 and 1.2, HTTP/1.1.
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|_| TlsError::Certificate(files.cert.clone()))?
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::Certificate(files.cert.clone()))?;
    if certs.is_empty() {
        return Err(TlsError::Certificate(files.cert.clone()));
    }
    let key =
        PrivateKeyDer::from_pem_file(&files.key).map_err(|_| TlsError::Key(files.key.clone()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(TlsError::Pair)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(TlsError::Pair)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The settings in force, replaced when the files change.
pub struct Reloading {
    files: TlsFiles,
    current: RwLock<Arc<ServerConfig>>,
    /// The files' modification times when last loaded.
    stamp: Mutex<(Option<SystemTime>, Option<SystemTime>)>,
}

impl Reloading {
    /// Loads the files once; an error here stops the server from starting.
    pub fn open(files: TlsFiles) -> Result<Arc<Reloading>, TlsError> {
        let stamp = (modified(&files.cert), modified(&files.key));
        let current = RwLock::new(server_config(&files)?);
        Ok(Arc::new(Reloading {
            files,
            current,
            stamp: Mutex::new(stamp),
        }))
    }

    fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let config = self.current.read().unwrap_or_else(|p| p.into_inner());
        tokio_rustls::TlsAcceptor::from(Arc::clone(&config))
    }

    /// Loads the files again (SIGHUP); on an error the settings in force stay.
    pub fn reload(&self) -> Result<(), TlsError> {
        let stamp = (modified(&self.files.cert), modified(&self.files.key));
        let config = server_config(&self.files)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = config;
        *self.stamp.lock().unwrap_or_else(|p| p.into_inner()) = stamp;
        Ok(())
    }

    /// Loads the files again if either changed since the last load; whether it did.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let now = (modified(&self.files.cert), modified(&self.files.key));
        if *self.stamp.lock().unwrap_or_else(|p| p.into_inner()) == now {
            return Ok(false);
        }
        self.reload().map(|()| true)
    }

    /// Watches for changes (and SIGHUP) until the task is aborted.
    pub fn watch(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            #[cfg(unix)]
            let mut hangup =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
            let mut tick = tokio::time::interval(me.files.reload_every);
            loop {
                #[cfg(unix)]
                let forced = tokio::select! {
                    _ = tick.tick() => false,
                    Some(()) = async { match hangup.as_mut() {
                        Some(h) => h.recv().await,
                        None => std::future::pending().await,
                    } } => true,
                };
                #[cfg(not(unix))]
                let forced = {
                    tick.tick().await;
                    false
                };
                let result = if forced {
                    me.reload().map(|()| true)
                } else {
                    me.reload_if_changed()
                };
                match result {
                    Ok(true) => tracing::info!(
                        cert = %me.files.cert.display(),
                        "TLS certificate reloaded; new connections use it"
                    ),
                    Ok(false) => {}
                    Err(e) => tracing::error!(
                        error = %e,
                        "TLS certificate reload failed; keeping the one in use"
                    ),
                }
            }
        })
    }
}

/// Accepts TCP connections and completes their TLS handshakes concurrently (a slow or failed
/// handshake never holds up the next client); `axum::serve` takes the finished streams.
pub struct TlsListener {
    ready: mpsc::Receiver<(tokio_rustls::server::TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, certs: Arc<Reloading>) -> std::io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(256);
        let acceptor = tokio::spawn(async move {
            loop {
                let (stream, peer) = match tcp.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let (acceptor, tx) = (certs.acceptor(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        // An old protocol, a weak suite, plain HTTP or a stalled client.
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake refused"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener {
            ready,
            local,
            acceptor,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept loop ended (only when aborted): no more connections.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
