//! Channel isolation: a payment method (and the uses, mandates and webhook endpoints around it)
//! belongs to the channel whose API key stored it. Another channel's key reaches it only with
//! the OMS-wide scope `channels:all`, and every such access is audited as cross-channel.

use super::{Actor, Scope, Who};

/// How far an actor reaches into data owned by a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The actor's own channel (or a staff member: the console is OMS-wide by role).
    Own,
    /// Another channel's data, through the OMS-wide scope: allowed, audited as such.
    CrossChannel,
    /// Another channel's data without that scope: answered as if it did not exist.
    Hidden,
}

impl Actor {
    /// Whether this actor may reach data owned by `owner` (a channel name).
    pub fn reach(&self, owner: &str) -> Reach {
        match &self.0 {
            Who::ApiClient { name, .. } if name == owner => Reach::Own,
            Who::ApiClient { scopes, .. } if scopes.contains(&Scope::AllChannels) => {
                Reach::CrossChannel
            }
            Who::Staff(_) => Reach::Own,
            _ => Reach::Hidden,
        }
    }

    /// The channel this actor's lists are limited to: `Some(own channel)` for an API client
    /// without `channels:all`, `None` (every channel) for OMS-wide keys and staff.
    pub fn channel_filter(&self) -> Option<&str> {
        match &self.0 {
            Who::ApiClient { name, scopes, .. } if !scopes.contains(&Scope::AllChannels) => {
                Some(name)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn key(name: &str, scopes: &[Scope]) -> Actor {
        Actor::api_client("ak_1".into(), name.into(), scopes.to_vec())
    }

    #[test]
    fn a_key_reaches_its_own_channel_and_others_only_with_the_oms_wide_scope() {
        let web = key("web", &[Scope::PaymentMethodsRead]);
        assert_eq!(web.reach("web"), Reach::Own);
        assert_eq!(web.reach("pos"), Reach::Hidden);
        assert_eq!(web.reach("Web"), Reach::Hidden);
        assert_eq!(web.channel_filter(), Some("web"));
        let oms = key("oms", &[Scope::PaymentMethodsRead, Scope::AllChannels]);
        assert_eq!(oms.reach("oms"), Reach::Own);
        assert_eq!(oms.reach("pos"), Reach::CrossChannel);
        assert_eq!(oms.channel_filter(), None);
        for nobody in [
            Actor::ANONYMOUS,
            Actor::SERVICE,
            Actor::host_shell_operator(),
        ] {
            assert_eq!(nobody.reach("web"), Reach::Hidden);
        }
    }
}
