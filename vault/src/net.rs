//! IP networks written as CIDR (`10.0.0.0/8`, `2001:db8::/32`, or a single address): API keys'
//! allow-lists, the server's trusted proxies, and which addresses are this machine's or a private
//! network's (never a destination for a webhook or a forward).

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An address and a prefix length, the host bits zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// `a.b.c.d/n`, `x::y/n`, or a bare address (a network of one). Host bits must be zero, so
    /// that `10.1.2.3/8` (probably a mistake) is refused rather than read as `10.0.0.0/8`.
    pub fn parse(s: &str) -> Option<IpNet> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (IpAddr::from_str(a).ok()?, p.parse::<u8>().ok()?),
            None => {
                let a = IpAddr::from_str(s.trim()).ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return None;
        }
        let net = IpNet { addr, prefix };
        (net.network_bits(addr) == bits(addr)).then_some(net)
    }

    fn network_bits(&self, addr: IpAddr) -> u128 {
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let host = u32::from(width - self.prefix);
        let mask = if host >= 128 { 0 } else { u128::MAX << host };
        bits(addr) & mask
    }

    /// Whether `ip` is inside the network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        ip.is_ipv4() == self.addr.is_ipv4() && self.network_bits(ip) == bits(self.addr)
    }
}

/// Whether `ip` is this machine or a private network: loopback, RFC 1918, link-local (with the
/// cloud metadata service), carrier-grade NAT, unique-local, unspecified, broadcast, `0.0.0.0/8`,
/// or an IPv4-mapped IPv6 form of one of these.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 0
                || (v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
                || (v4.octets()[0] == 198 && (18..20).contains(&v4.octets()[1]))
                || v4.octets()[..3] == [192, 0, 0]
                || v4.octets()[0] >= 224
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // An IPv4 address carried inside: NAT64 (64:ff9b::/96), 6to4 (2002::/16), or
            // IPv4-compatible (::a.b.c.d) – the IPv4 address is what is reached.
            let embedded = match s {
                [0x64, 0xff9b, 0, 0, 0, 0, a, b] | [0, 0, 0, 0, 0, 0, a, b] => Some((a, b)),
                [0x2002, a, b, ..] => Some((a, b)),
                _ => None,
            };
            if let Some((a, b)) = embedded.filter(|_| !v6.is_loopback() && !v6.is_unspecified()) {
                let v4 = std::net::Ipv4Addr::from((u32::from(a) << 16) | u32::from(b));
                return is_internal(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Whether `host` names this machine or a private network by its address (loopback, RFC 1918,
/// link-local with the cloud metadata service, unique-local, unspecified) or as `localhost`.
pub fn internal_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        url::Host::Ipv4(v4) => crate::net::is_internal((*v4).into()),
        url::Host::Ipv6(v6) => crate::net::is_internal((*v6).into()),
    }
}

fn bits(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parses a space- or comma-separated list; `None` if any entry is not a network.
pub fn parse_list(s: &str) -> Option<Vec<IpNet>> {
    s.split([' ', ','])
        .filter(|p| !p.trim().is_empty())
        .map(IpNet::parse)
        .collect()
}

/// Whether the text address `ip` is inside any of `nets` (false if it is not an address).
pub fn allowed(nets: &[IpNet], ip: Option<&str>) -> bool {
    let Some(ip) = ip.and_then(|s| IpAddr::from_str(s).ok()) else {
        return false;
    };
    nets.iter().any(|n| n.contains(ip))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn internal_addresses_include_those_carried_inside_ipv6() {
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.1.2.3",
            "198.18.0.1",
            "192.0.0.8",
            "240.0.0.1",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:a9fe:a9fe::1",
            "::10.0.0.1",
        ] {
            assert!(is_internal(internal.parse().unwrap()), "{internal}");
        }
        for public in [
            "8.8.8.8",
            "93.184.216.34",
            "2606:4700::1111",
            "64:ff9b::808:808",
        ] {
            assert!(!is_internal(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn networks_parse_and_contain() {
        let n = IpNet::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.200.3.4".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        assert!(n.contains("::ffff:10.1.1.1".parse().unwrap()));
        let one = IpNet::parse("203.0.113.7").unwrap();
        assert!(one.contains("203.0.113.7".parse().unwrap()));
        assert!(!one.contains("203.0.113.8".parse().unwrap()));
        let v6 = IpNet::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8:1::9".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        assert!(
            IpNet::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert_eq!(n.to_string(), "10.0.0.0/8");
        for bad in [
            "",
            "10.0.0.0/33",
            "10.1.2.3/8",
            "nope",
            "10.0.0.0/x",
            "::/129",
        ] {
            assert!(IpNet::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(parse_list("10.0.0.0/8, 192.168.1.1").unwrap().len(), 2);
        assert!(parse_list("10.0.0.0/8 bogus").is_none());
        assert!(allowed(
            &parse_list("127.0.0.1").unwrap(),
            Some("127.0.0.1")
        ));
        assert!(!allowed(&parse_list("127.0.0.1").unwrap(), None));
    }

    proptest! {
        #[test]
        fn an_address_is_in_every_network_built_from_it(a in any::<u32>(), prefix in 0u8..=32) {
            let ip = std::net::Ipv4Addr::from(a);
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            let net = IpNet::parse(&format!("{}/{prefix}", std::net::Ipv4Addr::from(a & mask))).unwrap();
            prop_assert!(net.contains(IpAddr::V4(ip)));
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,50}") {
            let _ = IpNet::parse(&s);
        }
    }
}
