//! Where deliveries may go (OWASP API7:2023, SSRF): `https` only, never to loopback, private,
//! link-local (cloud metadata), shared or multicast addresses, unless the configuration allows
//! `http` or names networks that may be reached. Checked on the URL when a subscription is saved
//! and again on every address a name resolves to when it is sent, so a name that later resolves
//! inward is refused too. No redirect is followed.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use ipnet::IpNet;
use reqwest::{
    Url,
    dns::{Addrs, Name, Resolve, Resolving},
};
use serde::{Deserialize, Serialize};

/// Networks a delivery may reach although they are not public, written `127.0.0.0/8,::1/128`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AllowedNetworks(pub Vec<IpNet>);

impl FromStr for AllowedNetworks {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|network| !network.is_empty())
            .map(|network| {
                network
                    .parse()
                    .map_err(|_| format!("{network:?} is not a network such as 10.0.0.0/8"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl TryFrom<String> for AllowedNetworks {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        value.parse()
    }
}

impl From<AllowedNetworks> for String {
    fn from(networks: AllowedNetworks) -> String {
        networks.to_string()
    }
}

impl fmt::Display for AllowedNetworks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let networks: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&networks.join(","))
    }
}

/// The rule every outbound address is checked against.
#[derive(Clone, Debug, Default)]
pub struct Destinations {
    pub allow_http: bool,
    pub allowed_networks: AllowedNetworks,
}

/// Longest destination or token URL.
const MAX_URL_LEN: usize = 2000;

impl Destinations {
    /// The URL, if a delivery may go there; why not otherwise.
    pub fn check_url(&self, raw: &str) -> Result<Url, String> {
        if raw.len() > MAX_URL_LEN {
            return Err(format!("must be at most {MAX_URL_LEN} characters"));
        }
        let url = Url::parse(raw).map_err(|e| format!("is not a URL: {e}"))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            _ => return Err("must be an https URL".into()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not hold credentials".into());
        }
        let Some(host) = url.host() else {
            return Err("must name a host".into());
        };
        let literal = match host {
            url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
            url::Host::Domain(_) => None,
        };
        if let Some(ip) = literal
            && !self.allows(ip)
        {
            return Err(format!(
                "must not point at {ip}: loopback, private, link-local and metadata addresses \
                 are refused"
            ));
        }
        Ok(url)
    }

    /// Whether a delivery may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allowed_networks.0.iter().any(|net| net.contains(&ip)) || is_public(ip)
    }

    /// The HTTP client of deliveries and token requests: names resolve only to allowed
    /// addresses, no redirect is followed, no proxy is used, every request ends within
    /// `timeout`.
    pub fn client(&self, timeout: Duration) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(self.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(ip),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15, and reserved, 240.0.0.0/4.
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local (fc00::/7, e.g. fd00:ec2::254 metadata) and link-local (fe80::/10).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// Resolves names like the system does, then refuses a name any of whose addresses is not
/// allowed: a name must not reach inside by one of its answers.
struct GuardedResolver(Destinations);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let destinations = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addresses: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(refused) = addresses.iter().find(|a| !destinations.allows(a.ip())) {
                return Err(format!(
                    "{host} resolves to {}, which deliveries may not reach",
                    refused.ip()
                )
                .into());
            }
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inward_addresses_are_refused_unless_allowed() {
        let strict = Destinations::default();
        for url in [
            "http://example.com/hook",
            "https://10.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://127.0.0.1:8443/",
            "https://[::1]/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:192.168.1.1]/",
            "https://user:pw@example.com/",
            "ftp://example.com/",
        ] {
            assert!(strict.check_url(url).is_err(), "{url} must be refused");
        }
        assert!(strict.check_url("https://example.com/hook").is_ok());
        assert!(strict.check_url("https://93.184.215.14/hook").is_ok());

        let local = Destinations {
            allow_http: true,
            allowed_networks: "127.0.0.0/8".parse().unwrap(),
        };
        assert!(local.check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(local.check_url("http://10.0.0.1/hook").is_err());
        assert!(local.check_url("http://169.254.169.254/").is_err());
    }

    #[test]
    fn networks_parse_from_a_list() {
        let networks: AllowedNetworks = " 127.0.0.0/8, ::1/128 ,".parse().unwrap();
        assert_eq!(networks.to_string(), "127.0.0.0/8,::1/128");
        assert!("10.0.0.0".parse::<AllowedNetworks>().is_err());
    }
}
