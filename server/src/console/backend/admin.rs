//! Security administration in the console: staff accounts and API keys. Listing needs the
//! permission; every change also needs a step-up.

use super::errors::map;
use super::{VaultBackend, views};
use async_trait::async_trait;
use coffer_app::ConsoleError;
use coffer_app::backend::AccessChange;
use coffer_app::backend::AdminBackend;
use coffer_app::model::{
    ApiKeySummary, IssuedApiKey, IssuedPassword, NewApiKeyRequest, StepUpPolicyView, UserSummary,
};
use coffer_vault::access::{
    ApproveApiKey, CreateApiKey, CreateUser, DisableUser, GrantAccess, ListApiKeys, ListUsers,
    ReadStepUpPolicy, ResetMfa, ResetPassword, RevokeApiKey, Role, Scope,
};
use coffer_vault::clock::now_millis;
use coffer_vault::service::KeyLimits;
use secrecy::ExposeSecret;

const USER: &str = "staff_user";

fn roles(names: &[String]) -> Result<Vec<Role>, ConsoleError> {
    names
        .iter()
        .map(|n| {
            Role::parse(n)
                .ok_or_else(|| ConsoleError::field("role", "Choose a role from the list."))
        })
        .collect()
}

#[async_trait]
impl AdminBackend for VaultBackend {
    async fn step_up_policy(&self) -> Result<StepUpPolicyView, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ReadStepUpPolicy>(&mut who, None, None)
            .await?;
        let settings = self.vault.step_up_policy(&grant);
        Ok(StepUpPolicyView {
            rules: settings
                .policy
                .rules
                .iter()
                .map(ToString::to_string)
                .collect(),
            unenrolled: settings.policy.unenrolled.as_str().to_owned(),
            merchant_name: settings.merchant_name.clone(),
            public_url: settings.public_url.clone(),
            passkeys: self.vault.passkeys_available(),
        })
    }

    async fn users(&self) -> Result<Vec<UserSummary>, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ListUsers>(&mut who, None, None)
            .await?;
        let accounts = self
            .vault
            .list_staff(&grant, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(accounts.iter().map(views::user).collect())
    }

    async fn user(&self, id: String) -> Result<UserSummary, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ListUsers>(&mut who, None, Some((USER, &id)))
            .await?;
        let account = self
            .vault
            .get_staff(&grant, &id, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(views::user(&account))
    }

    async fn create_user(
        &self,
        email: String,
        role: String,
        code: Option<String>,
    ) -> Result<IssuedPassword, ConsoleError> {
        let roles = roles(&[role])?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<CreateUser>(&mut who, code, None)
            .await?;
        let created = self
            .vault
            .create_staff(&grant, &email, &roles, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(IssuedPassword {
            user_id: created.account.id.clone(),
            email: created.account.email.clone(),
            password: created.password.expose_secret().to_owned(),
        })
    }

    async fn set_access(
        &self,
        change: AccessChange,
        code: Option<String>,
    ) -> Result<UserSummary, ConsoleError> {
        let roles = roles(&change.roles)?;
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<GrantAccess>(&mut who, code, Some((USER, &change.user_id)))
            .await?;
        let account = self
            .vault
            .set_staff_access(
                &grant,
                &change.user_id,
                &roles,
                change.can_reveal,
                &who.req.origin,
            )
            .await
            .map_err(map)?;
        Ok(views::user(&account))
    }

    async fn set_disabled(
        &self,
        user_id: String,
        disabled: bool,
        code: Option<String>,
    ) -> Result<UserSummary, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<DisableUser>(&mut who, code, Some((USER, &user_id)))
            .await?;
        let account = self
            .vault
            .set_staff_disabled(&grant, &user_id, disabled, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(views::user(&account))
    }

    async fn reset_mfa(
        &self,
        user_id: String,
        code: Option<String>,
    ) -> Result<UserSummary, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ResetMfa>(&mut who, code, Some((USER, &user_id)))
            .await?;
        let account = self
            .vault
            .reset_staff_mfa(&grant, &user_id, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(views::user(&account))
    }

    async fn reset_password(
        &self,
        user_id: String,
        reset_mfa: bool,
        code: Option<String>,
    ) -> Result<IssuedPassword, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ResetPassword>(&mut who, code, Some((USER, &user_id)))
            .await?;
        let reset = self
            .vault
            .reset_staff_password(&grant, &user_id, reset_mfa, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(IssuedPassword {
            user_id: reset.account.id.clone(),
            email: reset.account.email.clone(),
            password: reset.password.expose_secret().to_owned(),
        })
    }

    async fn api_keys(&self) -> Result<Vec<ApiKeySummary>, ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ListApiKeys>(&mut who, None, None)
            .await?;
        let keys = self
            .vault
            .list_api_keys(&grant, &who.req.origin)
            .await
            .map_err(map)?;
        let issuers: Vec<&str> = keys
            .iter()
            .filter_map(|k| k.created_by.as_deref())
            .collect();
        let approvers: Vec<&str> = keys
            .iter()
            .filter_map(|k| k.approved_by.as_deref())
            .collect();
        let people = [issuers, approvers].concat();
        let emails = self
            .vault
            .staff_emails(&grant, &people)
            .await
            .map_err(map)?;
        let me = who.account.id.clone();
        Ok(keys
            .iter()
            .map(|k| views::api_key(k, &emails, &me, now_millis()))
            .collect())
    }

    async fn create_api_key(
        &self,
        request: NewApiKeyRequest,
    ) -> Result<IssuedApiKey, ConsoleError> {
        let scopes: Vec<Scope> = request
            .scopes
            .iter()
            .filter_map(|s| Scope::parse(s))
            .collect();
        if scopes.is_empty() {
            return Err(ConsoleError::field("scopes", "Choose at least one scope."));
        }
        let allowed_ips = coffer_vault::net::parse_list(&request.allowed_ips).ok_or_else(|| {
            ConsoleError::field(
                "allowed_ips",
                "Give addresses or networks such as 203.0.113.7 or 10.0.0.0/8, separated by commas.",
            )
        })?;
        let limits = KeyLimits {
            expires_at: request
                .expires_days
                .map(|d| now_millis() + i64::from(d) * 86_400_000),
            allowed_ips,
        };
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<CreateApiKey>(&mut who, request.code, None)
            .await?;
        let key = self
            .vault
            .create_api_key_as(&grant, &request.name, &scopes, &limits, &who.req.origin)
            .await
            .map_err(map)?;
        Ok(IssuedApiKey {
            id: key.id.clone(),
            name: request.name.trim().to_owned(),
            secret: key.key.expose_secret().to_owned(),
            pending_approval: key.pending_approval,
        })
    }

    async fn approve_api_key(&self, id: String, code: Option<String>) -> Result<(), ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<ApproveApiKey>(&mut who, code, Some(("api_key", &id)))
            .await?;
        self.vault
            .approve_api_key(&grant, &id, &who.req.origin)
            .await
            .map_err(map)
    }

    async fn revoke_api_key(&self, id: String, code: Option<String>) -> Result<(), ConsoleError> {
        let mut who = self.signed_in().await?;
        let grant = self
            .authorize_with::<RevokeApiKey>(&mut who, code, Some(("api_key", &id)))
            .await?;
        let done = self
            .vault
            .revoke_api_key_as(&grant, &id, &who.req.origin)
            .await
            .map_err(map)?;
        if done {
            Ok(())
        } else {
            Err(ConsoleError::new(
                coffer_app::ErrorCode::NotFound,
                "No active key with this id.",
            ))
        }
    }
}
