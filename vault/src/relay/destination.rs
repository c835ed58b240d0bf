//! Where a forward may go: an `https` base URL on a public host, checked when a connection is
//! registered and again when it connects, after DNS, so a name that later resolves to a private
//! or loopback address is refused (no DNS rebinding into the vault's own network).

use crate::cde::intake::IntakeError;
use crate::net::{IpNet, internal_host, is_internal};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Which addresses a forward may connect to: every public address, and the private networks an
/// operator lists (`COFFER_RELAY_ALLOW_NETWORKS`: a PSP reached over a private link, or the
/// test suite's local PSP doubles). Empty by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPolicy {
    pub allowed_private: Vec<IpNet>,
}

impl HostPolicy {
    /// Whether a forward may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allowed_private.iter().any(|n| n.contains(ip))
    }
}

/// A connection's base URL: `https`, a host, no user name or password, no query or fragment,
/// and (for an address) a permitted one; a path prefix is kept without its trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(url::Url);

impl BaseUrl {
    pub fn parse(s: &str, policy: &HostPolicy) -> Result<BaseUrl, IntakeError> {
        let well_formed = s.len() <= 512
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && !coffer_dlp::contains_card_number(s);
        let url = url::Url::parse(s)
            .ok()
            .filter(|_| well_formed)
            .ok_or_else(|| IntakeError::invalid("base_url"))?;
        if url.scheme() != "https" {
            return Err(IntakeError::invalid_because(
                "base_url",
                "a connection's base URL must use https",
            ));
        }
        if !url.username().is_empty()
            || url.password().is_some()
            || url.path().contains('%')
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(IntakeError::invalid_because(
                "base_url",
                "put credentials in the connection's auth, not in its URL",
            ));
        }
        let host = url.host().ok_or_else(|| IntakeError::invalid("base_url"))?;
        let literal = match host {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            url::Host::Domain(_) => None,
        };
        let refused = match literal {
            Some(ip) => !policy.permits(ip),
            None => internal_host(&host),
        };
        if refused {
            return Err(IntakeError::invalid_because(
                "base_url",
                "a connection must name a public host, not a loopback or private address",
            ));
        }
        Ok(BaseUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// The URL of `path` (which starts with `/`) under this base.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.as_str())
    }

    /// The host's address when the URL names one (then no DNS lookup happens).
    pub fn literal_ip(&self) -> Option<IpAddr> {
        match self.0.host()? {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            url::Host::Domain(_) => None,
        }
    }
}

/// The HTTP client's resolver: looks a name up, then refuses it outright if any address is one
/// the policy does not permit (rather than quietly trying the others).
#[derive(Debug, Clone)]
pub struct CheckedResolver {
    pub policy: Arc<HostPolicy>,
}

#[derive(Debug, thiserror::Error)]
#[error("the destination resolves to an address the relay may not reach")]
pub struct RefusedAddress;

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if found.is_empty() || found.iter().any(|a| !policy.permits(a.ip())) {
                return Err(Box::new(RefusedAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use reqwest::dns::Resolve;

    fn open() -> HostPolicy {
        HostPolicy::default()
    }

    #[test]
    fn public_https_urls_are_accepted() {
        let u = BaseUrl::parse("https://api.stripe.com", &open()).unwrap();
        assert_eq!(
            u.join("/v1/payment_methods"),
            "https://api.stripe.com/v1/payment_methods"
        );
        let u = BaseUrl::parse(
            "https://payments.sandbox.braintree-api.com/graphql/",
            &open(),
        )
        .unwrap();
        assert_eq!(
            u.join("/x"),
            "https://payments.sandbox.braintree-api.com/graphql/x"
        );
        assert!(BaseUrl::parse("https://93.184.216.34:8443", &open()).is_ok());
    }

    #[test]
    fn other_schemes_credentials_and_internal_hosts_are_refused() {
        for bad in [
            "http://api.stripe.com",
            "ftp://api.stripe.com",
            "https://user:pw@api.stripe.com",
            "https://api.stripe.com/?key=1",
            "https://api.stripe.com/#x",
            "https://localhost",
            "https://a.localhost",
            "https://127.0.0.1",
            "https://10.1.2.3",
            "https://169.254.169.254",
            "https://[::1]",
            "https://[fd00::1]",
            "https://[::ffff:192.168.0.1]",
            "https://100.64.0.1",
            "https://api.stripe.com/4242424242424242",
            "https://api.stripe.com/%34%32%34%32%34%32%34%32%34%32%34%32%34%32%34%32",
            "not a url",
            "",
        ] {
            assert!(BaseUrl::parse(bad, &open()).is_err(), "{bad}");
        }
    }

    #[test]
    fn listed_private_networks_are_permitted() {
        let policy = HostPolicy {
            allowed_private: crate::net::parse_list("127.0.0.1").unwrap(),
        };
        assert!(BaseUrl::parse("https://127.0.0.1:9443", &policy).is_ok());
        assert!(BaseUrl::parse("https://127.0.0.2:9443", &policy).is_err());
        assert!(BaseUrl::parse("https://10.0.0.1", &policy).is_err());
        assert!(policy.permits("8.8.8.8".parse().unwrap()));
    }

    #[tokio::test]
    async fn names_that_resolve_to_loopback_are_refused_at_connect_time() {
        let refuse = CheckedResolver {
            policy: Arc::new(open()),
        };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(refuse.resolve(name).await.is_err());
        let allow = CheckedResolver {
            policy: Arc::new(HostPolicy {
                allowed_private: crate::net::parse_list("127.0.0.1 ::1").unwrap(),
            }),
        };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let addrs: Vec<SocketAddr> = allow.resolve(name).await.unwrap().collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
