//! Where sign-in returns to: the page a signed-out visitor asked for, carried as `?next=` through
//! the sign-in steps. Only a path on this site is accepted, never another origin (an open
//! redirect would let a link to our sign-in page send a freshly signed-in agent anywhere).

use crate::model::SessionState;
use crate::search_query::encode;

/// The longest return path kept; a longer one is dropped (the visitor lands on the console).
const MAX_LEN: usize = 1024;

/// A same-origin path (with its query), checked: it starts with one `/`, holds no backslash,
/// no control character and no space, and is not a sign-in step or a server function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnPath(String);

impl ReturnPath {
    /// `None` for anything that is not a same-origin console page.
    pub fn parse(raw: &str) -> Option<ReturnPath> {
        let ok = raw.len() <= MAX_LEN
            && raw.starts_with('/')
            // `//host` and `/\host` are other origins to a browser.
            && !raw[1..].starts_with(['/', '\\'])
            && !raw.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace())
            && !is_step(raw)
            && !raw.starts_with("/console/api/");
        ok.then(|| ReturnPath(raw.to_owned()))
    }

    /// The first valid path of `raw` (the value of a `next` field or query parameter).
    pub fn from_field(raw: Option<&str>) -> Option<ReturnPath> {
        raw.and_then(ReturnPath::parse)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sign-in step's page (returning there would go round in a circle).
fn is_step(path: &str) -> bool {
    let page = path.split(['?', '#']).next().unwrap_or(path);
    ["/login", "/account/password", "/account/mfa"]
        .iter()
        .any(|step| page == *step || page.starts_with(&format!("{step}/")))
}

/// `page` with `?next=` added when there is somewhere to return to.
pub fn with_next(page: &str, next: Option<&ReturnPath>) -> String {
    match next {
        Some(next) => {
            let join = if page.contains('?') { '&' } else { '?' };
            format!("{page}{join}next={}", encode(next.as_str()))
        }
        None => page.to_owned(),
    }
}

/// Where a session in `state` goes next: a signed-in member to `next` (or the console's home),
/// anyone halfway through to their step's page, carrying `next` along.
pub fn after_step(state: &SessionState, next: Option<&ReturnPath>) -> String {
    match (state, next) {
        (SessionState::SignedIn(_), Some(next)) => next.as_str().to_owned(),
        (state, next) => with_next(state.home(), next),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Me;

    #[test]
    fn same_origin_paths_are_kept_with_their_query() {
        for path in [
            "/",
            "/search?q=cus_1",
            "/customers/cus_a%2Fb",
            "/console/audit?page=2",
        ] {
            assert_eq!(ReturnPath::parse(path).map(|p| p.0), Some(path.to_owned()));
        }
    }

    #[test]
    fn other_origins_and_tricks_are_refused() {
        for path in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "\\\\evil.example",
            "/\t/evil.example",
            "/search\nLocation: https://evil.example",
            "/ /evil.example",
            "javascript:alert(1)",
            "search",
            "",
            "/login",
            "/login?next=/",
            "/login/mfa",
            "/account/password",
            "/console/api/sign_out",
        ] {
            assert_eq!(ReturnPath::parse(path), None, "{path:?}");
        }
        assert_eq!(
            ReturnPath::parse(&format!("/{}", "a".repeat(MAX_LEN))),
            None
        );
    }

    #[test]
    fn next_is_encoded_and_carried_through_the_steps() {
        let next = ReturnPath::parse("/search?q=a&b=c");
        let next = next.as_ref();
        assert_eq!(
            after_step(&SessionState::SignedOut, next),
            "/login?next=%2Fsearch%3Fq%3Da%26b%3Dc"
        );
        assert_eq!(
            after_step(
                &SessionState::NeedsMfa {
                    email: "a@b.c".into()
                },
                next
            ),
            "/login/mfa?next=%2Fsearch%3Fq%3Da%26b%3Dc"
        );
        assert_eq!(
            with_next("/login?reason=expired", next),
            "/login?reason=expired&next=%2Fsearch%3Fq%3Da%26b%3Dc"
        );
        assert_eq!(after_step(&SessionState::SignedOut, None), "/login");
    }

    #[test]
    fn a_signed_in_member_goes_to_next_or_home() {
        let me = Me {
            user_id: "usr_1".into(),
            email: "a@b.c".into(),
            roles: vec![],
            permissions: vec![],
            step_up_until: None,
            idle_timeout_secs: 900,
            can_replace_authenticator: false,
        };
        let state = SessionState::SignedIn(me);
        let next = ReturnPath::parse("/console/expiry");
        assert_eq!(after_step(&state, next.as_ref()), "/console/expiry");
        assert_eq!(after_step(&state, None), "/");
    }
}
