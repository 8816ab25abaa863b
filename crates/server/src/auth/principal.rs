//! Who is calling, and what they may do.
//!
//! `Principal` is the authenticated caller (a signed-in account or an API key), read from the
//! `Authorization: Bearer` header. `Authorized<R>` is the same, plus the check that the caller
//! holds one of the permissions `R` names; every endpoint declares its requirement this way, in
//! its signature, and this file is the one place that enforces it. Record-level rules (a patient's
//! own record, the care team) are checked in the handler on top, by the owning domain.

use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use api_types::{ErrorCode, Permission, Role};
use uuid::Uuid;

use super::tokens::TokenType;
use crate::platform::{ApiError, ClientInfo};
use crate::AppState;

#[derive(Debug, Clone, PartialEq)]
pub enum Actor {
    User {
        id: Uuid,
        role: Role,
        session_id: Uuid,
        /// For patient accounts, their own patient record.
        patient_id: Option<Uuid>,
        /// The practice requires MFA for this role and it is not set up yet.
        mfa_setup_required: bool,
    },
    ApiKey {
        id: Uuid,
        /// What the key may do now: its scopes, less whatever its holder's role no longer has.
        scopes: Vec<Permission>,
        /// The person the key acts for: the account that made it (or made the key that made it).
        holder: Uuid,
    },
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub actor: Actor,
    pub client: ClientInfo,
}

impl Principal {
    pub fn id(&self) -> Uuid {
        match &self.actor {
            Actor::User { id, .. } | Actor::ApiKey { id, .. } => *id,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.actor {
            Actor::User { .. } => "user",
            Actor::ApiKey { .. } => "api_key",
        }
    }

    pub fn role(&self) -> Option<Role> {
        match &self.actor {
            Actor::User { role, .. } => Some(*role),
            Actor::ApiKey { .. } => None,
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User { id, .. } => Some(*id),
            Actor::ApiKey { .. } => None,
        }
    }

    pub fn session_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User { session_id, .. } => Some(*session_id),
            Actor::ApiKey { .. } => None,
        }
    }

    /// The patient record a patient account belongs to.
    pub fn own_patient_id(&self) -> Option<Uuid> {
        match &self.actor {
            Actor::User {
                role: Role::Patient,
                patient_id,
                ..
            } => *patient_id,
            _ => None,
        }
    }

    pub fn has(&self, permission: Permission) -> bool {
        match &self.actor {
            Actor::User { role, .. } => role.has(permission),
            Actor::ApiKey { scopes, .. } => scopes.contains(&permission),
        }
    }

    /// The permissions an account in `role` would hold that the caller does not: what the
    /// caller would hand out by giving someone that role. A key never gives more than it holds,
    /// so a key that manages staff cannot make an administrator.
    pub fn lacks_for(&self, role: Role) -> Vec<Permission> {
        role.permissions()
            .iter()
            .copied()
            .filter(|p| !self.has(*p))
            .collect()
    }

    /// The person behind the request: the signed-in account, or the holder of the API key.
    pub fn acting_user(&self) -> Uuid {
        match &self.actor {
            Actor::User { id, .. } => *id,
            Actor::ApiKey { holder, .. } => *holder,
        }
    }

    /// Refuses (403) unless the caller holds one of the permissions `R` requires: the check an
    /// [`Authorized<R>`] extractor makes, for code that serves more than one endpoint.
    pub fn ensure<R: Requirement>(&self) -> Result<(), ApiError> {
        if R::ANY_OF.iter().any(|p| self.has(*p)) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The user id, for endpoints that only make sense for a signed-in account.
    pub fn require_user(&self) -> Result<Uuid, ApiError> {
        self.user_id().ok_or_else(|| {
            ApiError::with_detail(
                ErrorCode::Forbidden,
                "This endpoint is for signed-in accounts, not API keys.",
            )
        })
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?
                .clone();
            let client = ClientInfo::from_request(&req, state.settings.trust_proxy);
            let token = bearer_token(&req).ok_or_else(ApiError::unauthorized)?;
            Ok(authenticate(&state, token, client).await?.0)
        })
    }
}

/// The caller a bearer token names (an API key, or an access token of a live session), and
/// when an access token expires (Unix seconds).
pub async fn authenticate(
    state: &AppState,
    token: &str,
    client: ClientInfo,
) -> Result<(Principal, Option<i64>), ApiError> {
    if let Some(key) = token.strip_prefix(crate::auth::api_keys::KEY_PREFIX) {
        let actor = crate::auth::api_keys::authenticate(state, key).await?;
        return Ok((Principal { actor, client }, None));
    }
    let claims = state
        .jwt
        .decode(token, TokenType::Access)
        .map_err(|_| ApiError::unauthorized())?;
    let session_id = claims.sid.ok_or_else(ApiError::unauthorized)?;
    if !crate::auth::sessions::is_active(&state.db, session_id, claims.sub).await? {
        return Err(ApiError::unauthorized());
    }
    let actor = Actor::User {
        id: claims.sub,
        role: claims.role,
        session_id,
        patient_id: claims.pid,
        mfa_setup_required: claims.mfa_setup.unwrap_or(false),
    };
    Ok((Principal { actor, client }, Some(claims.exp)))
}

fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A permission requirement: the caller must hold at least one of `ANY_OF`.
pub trait Requirement {
    const ANY_OF: &'static [Permission];
}

/// The requirements endpoints declare. Each name reads as the permission it demands.
pub mod require {
    use super::Requirement;
    use api_types::Permission;

    macro_rules! requirement {
        ($($name:ident => [$($perm:ident),+];)*) => {$(
            pub struct $name;
            impl Requirement for $name {
                const ANY_OF: &'static [Permission] = &[$(Permission::$perm),+];
            }
        )*};
    }

    requirement! {
        PatientsRead => [PatientsRead];
        PatientsWrite => [PatientsWrite];
        PatientsArchive => [PatientsArchive];
        PatientsInvite => [PatientsInvite];
        PatientsReadOrOwn => [PatientsRead, OwnRecord];
        PatientsWriteOrOwn => [PatientsWrite, OwnRecord];
        CareTeamManage => [CareTeamManage];
        ClinicalAccess => [ClinicalAccess];
        ClinicalAccessOrOwn => [ClinicalAccess, OwnRecord];
        TargetsManage => [TargetsManage];
        Prescribe => [Prescribe];
        UsersRead => [UsersRead];
        UsersManage => [UsersManage];
        AuditRead => [AuditRead];
        AuditReadOrOwn => [AuditRead, OwnRecord];
        ApiKeysManage => [ApiKeysManage];
        OutboxRead => [OutboxRead];
        OutboxManage => [OutboxManage];
        CorrespondenceRead => [CorrespondenceRead];
        CorrespondenceReadOrOwn => [CorrespondenceRead, OwnRecord];
        CorrespondenceWrite => [CorrespondenceWrite];
        CorrespondenceWriteOrOwn => [CorrespondenceWrite, OwnRecord];
        SettingsManage => [SettingsManage];
        ScheduleRead => [ScheduleRead];
        ScheduleWrite => [ScheduleWrite];
        ScheduleManage => [ScheduleManage];
        ScheduleReadOrOwn => [ScheduleRead, OwnRecord];
        ScheduleWriteOrOwn => [ScheduleWrite, OwnRecord];
    }

    /// Any signed-in account or key, once it may act at all (an account the practice requires
    /// to use MFA has set it up): for the practice's reference data, such as catalogues.
    pub struct SignedIn;
    impl Requirement for SignedIn {
        const ANY_OF: &'static [Permission] = &Permission::ALL;
    }
}

/// An authenticated caller holding one of the permissions `R` requires.
pub struct Authorized<R> {
    pub principal: Principal,
    _requirement: PhantomData<R>,
}

impl<R> Deref for Authorized<R> {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl<R: Requirement + 'static> FromRequest for Authorized<R> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        // The extractors after this one report their errors only once this has decided.
        let opener = crate::platform::http::AuthGate::close(req);
        Box::pin(async move {
            let _opener = opener;
            let principal = principal.await?;
            if let Actor::User {
                mfa_setup_required: true,
                ..
            } = principal.actor
            {
                return Err(ApiError::code(ErrorCode::MfaEnrollmentRequired));
            }
            if !R::ANY_OF.iter().any(|p| principal.has(*p)) {
                return Err(ApiError::forbidden());
            }
            Ok(Authorized {
                principal,
                _requirement: PhantomData,
            })
        })
    }
}
