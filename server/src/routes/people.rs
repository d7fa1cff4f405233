//! People and teams: admins look after everyone, managers after the reps of
//! their own team (rules in `yingpan_shared::people`). Every act is audited.

use crate::audit::Audit;
use crate::auth::{self, AuthUser};
use crate::error::ApiError;
use crate::extract::{ApiJson, PathId, TeamPath, UserPath};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::json;
use yingpan_shared::access::Viewer;
#[allow(unused_imports)]
use yingpan_shared::api::{ErrorBody, TeamName};
use yingpan_shared::audit::Action;
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::people::{
    check_username, directory_view, may_change, may_create, may_manage, Created, NewPerson, PasswordReset, Person,
    PersonChange, Team,
};
use yingpan_shared::user::{Role, User};

/// How long an invite link works.
const INVITE_DAYS: i64 = 7;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The person `id`, if `auth` may look after them; 404 for one they may not
/// even see, so ids cannot be probed.
async fn managed(st: &AppState, auth: &AuthUser, id: UserId) -> Result<Person, ApiError> {
    let person = st
        .store
        .person(id)
        .await?
        .ok_or_else(|| ApiError::NotFound("there is no such user".into()))?;
    let viewer = Viewer::from(&auth.user);
    may_manage(&viewer, &person.user).map_err(|why| {
        if auth.user.role == Role::Admin || person.user.team_id == auth.user.team_id {
            ApiError::Forbidden(why.into())
        } else {
            ApiError::NotFound("there is no such user".into())
        }
    })?;
    Ok(person)
}

/// Everyone's names and roles, so records can name their owner and author;
/// sign-in names only where the viewer needs them.
#[utoipa::path(get, path = "/users", tag = "people", responses((status = 200, body = Vec<User>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn directory(State(st): State<AppState>, auth: AuthUser) -> Result<Json<Vec<User>>, ApiError> {
    let users = st.store.users().await?;
    Ok(Json(directory_view(&Viewer::from(&auth.user), &users)))
}

#[utoipa::path(get, path = "/teams", tag = "people", responses((status = 200, body = Vec<Team>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn teams(State(st): State<AppState>, _auth: AuthUser) -> Result<Json<Vec<Team>>, ApiError> {
    Ok(Json(st.store.teams().await?))
}

#[utoipa::path(post, path = "/teams", tag = "people", request_body = TeamName, responses((status = 201, body = Team), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn create_team(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ApiJson(req): ApiJson<TeamName>,
) -> Result<(StatusCode, Json<Team>), ApiError> {
    auth.admin("create teams")?;
    let team = Team {
        id: TeamId(uuid::Uuid::now_v7()),
        name: req.name.as_str().to_owned(),
    };
    st.store.create_team(team.id, &team.name).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::TeamCreated,
            Some(team.id.to_string()),
            json!({"name": team.name}),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(team)))
}

#[utoipa::path(put, path = "/teams/{id}", tag = "people", request_body = TeamName, params(("id" = String, Path, description = "the team")), responses((status = 200, body = Team), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn rename_team(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<TeamPath>,
    ApiJson(req): ApiJson<TeamName>,
) -> Result<Json<Team>, ApiError> {
    auth.admin("rename teams")?;
    let before = st.store.teams().await?.into_iter().find(|t| t.id == id);
    let Some(before) = before else {
        return Err(ApiError::NotFound("there is no such team".into()));
    };
    st.store.rename_team(id, req.name.as_str()).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::TeamRenamed,
            Some(id.to_string()),
            json!({"from": before.name, "to": req.name.as_str()}),
        )
        .await?;
    Ok(Json(Team {
        id,
        name: req.name.as_str().to_owned(),
    }))
}

/// The accounts the viewer looks after: everyone for an admin, a manager's
/// own reps (and the manager).
#[utoipa::path(get, path = "/people", tag = "people", responses((status = 200, body = Vec<Person>), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn list(State(st): State<AppState>, auth: AuthUser) -> Result<Json<Vec<Person>>, ApiError> {
    let viewer = auth.manager("only a manager or an admin can list accounts")?;
    let people = st.store.people().await?;
    Ok(Json(
        people
            .into_iter()
            .filter(|p| p.user.id == auth.user.id || may_manage(&viewer, &p.user).is_ok())
            .collect(),
    ))
}

#[utoipa::path(post, path = "/people", tag = "people", request_body = NewPerson, responses((status = 201, body = Created), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    ApiJson(req): ApiJson<NewPerson>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    may_create(&Viewer::from(&auth.user), &req).map_err(|why| ApiError::Forbidden(why.into()))?;
    let username = req.username.trim().to_owned();
    check_username(&username).map_err(ApiError::Validation)?;
    if let Some(team) = req.team_id {
        if !st.store.teams().await?.iter().any(|t| t.id == team) {
            return Err(ApiError::Validation("there is no such team".into()));
        }
    }
    if req.role == Role::Manager && req.team_id.is_none() {
        return Err(ApiError::Validation("a manager needs a team to manage".into()));
    }
    let person = Person {
        user: User {
            id: UserId(uuid::Uuid::now_v7()),
            username,
            display_name: req.display_name.as_str().to_owned(),
            role: req.role,
            team_id: req.team_id,
            active: true,
        },
        phone: req.phone.clone(),
        email: req.email.clone(),
        must_change_password: true,
    };
    // An invited person has no usable password until they choose one.
    let secret = auth::temporary_password();
    let hash = auth::hash(&secret).await?;
    st.store.create_person(&person, &hash).await?;
    let mut created = Created {
        person: person.clone(),
        initial_password: None,
        invite_token: None,
        invite_expires_at: None,
    };
    if req.invite {
        let (token, token_hash) = auth::new_token();
        let expires = st.now_ms() + INVITE_DAYS * DAY_MS;
        st.store.create_invite(&token_hash, person.user.id, expires).await?;
        created.invite_token = Some(token);
        created.invite_expires_at = Some(expires);
    } else {
        created.initial_password = Some(secret);
    }
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::UserCreated,
            Some(person.user.id.to_string()),
            json!({"username": person.user.username, "role": person.user.role, "team_id": person.user.team_id,
                   "invite": req.invite}),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(put, path = "/people/{id}", tag = "people", request_body = PersonChange, params(("id" = String, Path, description = "the user")), responses((status = 200, body = Person), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn change(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<UserPath>,
    ApiJson(req): ApiJson<PersonChange>,
) -> Result<Json<Person>, ApiError> {
    let person = managed(&st, &auth, id).await?;
    may_change(&Viewer::from(&auth.user), &person.user, &req).map_err(|why| ApiError::Forbidden(why.into()))?;
    if let Some(Some(team)) = req.team_id {
        if !st.store.teams().await?.iter().any(|t| t.id == team) {
            return Err(ApiError::Validation("there is no such team".into()));
        }
    }
    if req.role == Some(Role::Finance) && person.user.role != Role::Finance {
        let owned = st.store.owned_records(person.user.id).await?;
        if owned > 0 {
            return Err(ApiError::Conflict(format!(
                "{} owns {owned} customers and leads; hand them over before moving them to finance",
                person.user.display_name
            )));
        }
    }
    let republished = st.store.change_person(person.user.id, &req).await?;
    let after = st
        .store
        .person(person.user.id)
        .await?
        .ok_or_else(|| ApiError::NotFound("there is no such user".into()))?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::UserChanged,
            Some(person.user.id.to_string()),
            json!({"before": {"display_name": person.user.display_name, "role": person.user.role, "team_id": person.user.team_id},
                   "after": {"display_name": after.user.display_name, "role": after.user.role, "team_id": after.user.team_id},
                   "records_republished": republished}),
        )
        .await?;
    Ok(Json(after))
}

/// A temporary password to read out; the user must choose their own at the
/// next sign-in, and every session of theirs ends now.
#[utoipa::path(post, path = "/people/{id}/password-reset", tag = "people", params(("id" = String, Path, description = "the user")), responses((status = 200, body = PasswordReset), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn reset_password(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<UserPath>,
) -> Result<Json<PasswordReset>, ApiError> {
    let person = managed(&st, &auth, id).await?;
    let temporary = auth::temporary_password();
    let hash = auth::hash(&temporary).await?;
    let ended = st.store.set_password(person.user.id, &hash, true, None).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::PasswordReset,
            Some(person.user.id.to_string()),
            json!({"sessions_ended": ended}),
        )
        .await?;
    Ok(Json(PasswordReset {
        temporary_password: temporary,
    }))
}

/// Ends every session of someone the viewer looks after (a lost phone).
#[utoipa::path(post, path = "/people/{id}/sessions/end", tag = "people", params(("id" = String, Path, description = "the user")), responses((status = 200, description = "how many ended", body = Object), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn end_sessions(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<UserPath>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let person = managed(&st, &auth, id).await?;
    let ended = st.store.end_sessions(person.user.id, None, None).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::SessionsEnded,
            Some(person.user.id.to_string()),
            json!({"sessions": ended}),
        )
        .await?;
    Ok(Json(json!({"ended": ended})))
}

/// Closes an account that owns nothing; one that owns customers or leads
/// goes through the departure flow, so its book goes to someone.
#[utoipa::path(post, path = "/people/{id}/deactivate", tag = "people", params(("id" = String, Path, description = "the user")), responses((status = 200, body = Person), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn deactivate(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<UserPath>,
) -> Result<Json<Person>, ApiError> {
    let person = managed(&st, &auth, id).await?;
    if !person.user.active {
        return Ok(Json(person));
    }
    let owned = st.store.owned_records(person.user.id).await?;
    if owned > 0 {
        return Err(ApiError::Conflict(format!(
            "{} owns {owned} customers and leads; close the account with a handover (Team → departure) so nothing is lost",
            person.user.display_name
        )));
    }
    st.store.set_user_active(person.user.id, false).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::UserDeactivated,
            Some(person.user.id.to_string()),
            json!({}),
        )
        .await?;
    let after = st
        .store
        .person(person.user.id)
        .await?
        .ok_or_else(|| ApiError::NotFound("there is no such user".into()))?;
    Ok(Json(after))
}

#[utoipa::path(post, path = "/people/{id}/reactivate", tag = "people", params(("id" = String, Path, description = "the user")), responses((status = 200, body = Person), (status = "4XX", description = "refused, with a reason", body = ErrorBody)))]
pub async fn reactivate(
    State(st): State<AppState>,
    auth: AuthUser,
    audit: Audit,
    PathId(id): PathId<UserPath>,
) -> Result<Json<Person>, ApiError> {
    let person = managed(&st, &auth, id).await?;
    if person.user.active {
        return Ok(Json(person));
    }
    st.store.reactivate(person.user.id).await?;
    audit
        .record(
            &st,
            Some(auth.user.id),
            Action::UserReactivated,
            Some(person.user.id.to_string()),
            json!({}),
        )
        .await?;
    let after = st
        .store
        .person(person.user.id)
        .await?
        .ok_or_else(|| ApiError::NotFound("there is no such user".into()))?;
    Ok(Json(after))
}
