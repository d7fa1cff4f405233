//! Talking to the server. Every call returns an [`ApiError`] that tells
//! "could not reach the server" apart from "the server said no".

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use yingpan_shared::api::{
    ArchivedCustomer, DepartureRequest, DuplicateCandidate, HandoverPlan, MergeRequest, NewOwner, OwnershipEntry,
    TeamName, TeamOverview,
};
use yingpan_shared::api::{ErrorBody, LoginRequest, LoginResponse, ACCOUNT_CLOSED, BUSY};
use yingpan_shared::audit::{Action, Entry as AuditEntry};
use yingpan_shared::dedup::DuplicatePolicy;
use yingpan_shared::entity::{EntityKind, FieldMap};
use yingpan_shared::ids::{TeamId, UserId};
use yingpan_shared::import::{ExactRows, ImportReport};
use yingpan_shared::money::print::PrintTemplates;
use yingpan_shared::people::{
    Created, InviteAcceptance, NewPerson, PasswordChange, PasswordReset, Person, PersonChange, SessionInfo, Team,
};
use yingpan_shared::photo::UploadState;
use yingpan_shared::pool::PoolRules;
use yingpan_shared::rules::WorkRules;
use yingpan_shared::sync::{Cursor, PushRequest, PushResponse};
use yingpan_shared::user::User;
use yingpan_shared::validate::Name;

#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// No answer: offline, or the server is down.
    Unreachable,
    /// The session is no longer valid.
    Unauthorized,
    /// The account was closed (the rep left the company).
    AccountClosed,
    /// The server is overloaded and asked to be tried again after
    /// `retry_after_ms`; `message` is for a person.
    Busy { retry_after_ms: u32, message: String },
    /// The server answered with an error; `message` is for a person.
    Refused { status: u16, message: String },
}

impl ApiError {
    pub fn message(&self) -> Option<&str> {
        match self {
            ApiError::Refused { message, .. } | ApiError::Busy { message, .. } => Some(message),
            _ => None,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

async fn send(req: Result<Request, gloo_net::Error>) -> ApiResult<Response> {
    let req = req.map_err(|e| ApiError::Refused {
        status: 0,
        message: e.to_string(),
    })?;
    let res = req.send().await.map_err(|_| ApiError::Unreachable)?;
    match res.status() {
        200..=299 => Ok(res),
        401 if res.url().ends_with("/api/login") => Err(refused(res).await),
        401 => match res.json::<ErrorBody>().await {
            Ok(body) if body.error.code == ACCOUNT_CLOSED => Err(ApiError::AccountClosed),
            _ => Err(ApiError::Unauthorized),
        },
        503 => Err(busy(res).await),
        // A proxy or a restarting server: treat like no answer and retry later.
        502 | 504 => Err(ApiError::Unreachable),
        _ => Err(refused(res).await),
    }
}

/// When to come back if the server gives no `Retry-After`.
const DEFAULT_RETRY_AFTER_MS: u32 = 5_000;
/// The longest `Retry-After` honoured (the app spreads its return over up
/// to twice it): a header asking for more, or one garbled on the way, must
/// not keep a phone from syncing for the rest of the day.
const MAX_RETRY_AFTER_MS: u32 = 300_000;

/// A 503: the server's `Retry-After` (whole seconds, at most five
/// minutes), and its message. A 503 that is not the server's own "busy"
/// (a proxy's page, say) is treated like no answer.
async fn busy(res: Response) -> ApiError {
    let retry_after_ms = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(DEFAULT_RETRY_AFTER_MS, |secs| secs.saturating_mul(1000))
        .min(MAX_RETRY_AFTER_MS);
    match res.json::<ErrorBody>().await {
        Ok(body) if body.error.code == BUSY => ApiError::Busy {
            retry_after_ms,
            message: body.error.message,
        },
        _ => ApiError::Unreachable,
    }
}

async fn refused(res: Response) -> ApiError {
    let status = res.status();
    let message = match res.json::<ErrorBody>().await {
        Ok(body) => body.error.message,
        Err(_) => format!("server error {status}"),
    };
    ApiError::Refused { status, message }
}

async fn json<T: DeserializeOwned>(res: Response) -> ApiResult<T> {
    res.json().await.map_err(|e| ApiError::Refused {
        status: 0,
        message: e.to_string(),
    })
}

fn authed(builder: RequestBuilder, token: &str) -> RequestBuilder {
    in_my_language(builder).header("Authorization", &format!("Bearer {token}"))
}

/// Asks for the server's messages in the language the user chose.
fn in_my_language(builder: RequestBuilder) -> RequestBuilder {
    builder.header("Accept-Language", crate::i18n::Lang::initial().code())
}

pub async fn login(username: &str, password: &str) -> ApiResult<LoginResponse> {
    let body = LoginRequest {
        username: username.into(),
        password: password.into(),
    };
    json(send(in_my_language(Request::post("/api/login")).json(&body)).await?).await
}

pub async fn logout(token: &str) -> ApiResult<()> {
    send(authed(Request::post("/api/logout"), token).build())
        .await
        .map(|_| ())
}

pub async fn push(token: &str, req: &PushRequest) -> ApiResult<PushResponse> {
    json(send(authed(Request::post("/api/sync/push"), token).json(req)).await?).await
}

/// One page of changes since `since`, as the server's JSON text (a
/// [`yingpan_shared::sync::PullResponse`]): the sync loop hands it to the
/// browser's parser for IndexedDB and decodes it for memory.
pub async fn pull(token: &str, since: Cursor) -> ApiResult<String> {
    let url = format!("/api/sync/pull?since={since}");
    let res = send(authed(Request::get(&url), token).build()).await?;
    res.text().await.map_err(|_| ApiError::Unreachable)
}

/// The server's copy of one record, `None` if it is gone or not ours.
pub async fn record(token: &str, kind: EntityKind, id: &str) -> ApiResult<Option<FieldMap>> {
    let url = format!("/api/records/{}/{id}", kind.as_str());
    match send(authed(Request::get(&url), token).build()).await {
        Ok(res) => json(res).await.map(Some),
        Err(ApiError::Refused { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// `GET /api{path}` as JSON.
async fn get<T: DeserializeOwned>(token: &str, path: &str) -> ApiResult<T> {
    json(send(authed(Request::get(&format!("/api{path}")), token).build()).await?).await
}

/// `POST /api{path}` with a JSON body, answered with JSON.
async fn post<B: Serialize, T: DeserializeOwned>(token: &str, path: &str, body: &B) -> ApiResult<T> {
    json(send(authed(Request::post(&format!("/api{path}")), token).json(body)).await?).await
}

/// `POST /api{path}` with a file's bytes as the body, answered with JSON.
async fn post_bytes<T: DeserializeOwned>(token: &str, path: &str, bytes: &[u8]) -> ApiResult<T> {
    let body = js_sys::Uint8Array::from(bytes);
    json(send(authed(Request::post(&format!("/api{path}")), token).body(body)).await?).await
}

/// `PUT /api{path}` with a JSON body, answered with JSON.
async fn put<B: Serialize, T: DeserializeOwned>(token: &str, path: &str, body: &B) -> ApiResult<T> {
    json(send(authed(Request::put(&format!("/api{path}")), token).json(body)).await?).await
}

/// `PUT /api{path}` with raw bytes of `content_type`, answered with JSON.
async fn put_bytes<T: DeserializeOwned>(token: &str, path: &str, content_type: &str, bytes: &[u8]) -> ApiResult<T> {
    let body = js_sys::Uint8Array::from(bytes);
    let req = authed(Request::put(&format!("/api{path}")), token)
        .header("Content-Type", content_type)
        .body(body);
    json(send(req).await?).await
}

/// `GET /api{path}` as raw bytes (a photo).
async fn get_bytes(token: &str, path: &str) -> ApiResult<Vec<u8>> {
    let res = send(authed(Request::get(&format!("/api{path}")), token).build()).await?;
    res.binary().await.map_err(|e| ApiError::Refused {
        status: 0,
        message: e.to_string(),
    })
}

/// `POST /api{path}` with a JSON body whose answer carries nothing needed.
async fn post_unit<B: Serialize>(token: &str, path: &str, body: &B) -> ApiResult<()> {
    send(authed(Request::post(&format!("/api{path}")), token).json(body))
        .await
        .map(|_| ())
}

pub async fn change_password(token: &str, current: &str, new: &str) -> ApiResult<()> {
    let body = PasswordChange {
        current: current.into(),
        new: new.into(),
    };
    post_unit(token, "/me/password", &body).await
}

pub async fn sessions(token: &str) -> ApiResult<Vec<SessionInfo>> {
    get(token, "/me/sessions").await
}

pub async fn end_session(token: &str, id: &str) -> ApiResult<()> {
    send(authed(Request::delete(&format!("/api/me/sessions/{id}")), token).build())
        .await
        .map(|_| ())
}

pub async fn end_other_sessions(token: &str) -> ApiResult<()> {
    post_unit(token, "/me/sessions/end-others", &serde_json::json!({})).await
}

/// Chooses the first password through an invite link; signs in.
pub async fn accept_invite(invite: &str, password: &str) -> ApiResult<LoginResponse> {
    let body = InviteAcceptance {
        token: invite.into(),
        password: password.into(),
    };
    json(send(in_my_language(Request::post("/api/invites/accept")).json(&body)).await?).await
}

pub async fn teams(token: &str) -> ApiResult<Vec<Team>> {
    get(token, "/teams").await
}

pub async fn create_team(token: &str, name: &str) -> ApiResult<Team> {
    post(token, "/teams", &team_name(name)?).await
}

pub async fn rename_team(token: &str, id: TeamId, name: &str) -> ApiResult<Team> {
    put(token, &format!("/teams/{id}"), &team_name(name)?).await
}

/// A team's name, checked as the server checks it.
fn team_name(name: &str) -> ApiResult<TeamName> {
    let name = Name::parse(name).map_err(|_| ApiError::Refused {
        status: 400,
        message: crate::i18n::Msg::TeamNameInvalid
            .text(crate::i18n::Lang::initial())
            .to_owned(),
    })?;
    Ok(TeamName { name })
}

pub async fn people(token: &str) -> ApiResult<Vec<Person>> {
    get(token, "/people").await
}

pub async fn create_person(token: &str, new: &NewPerson) -> ApiResult<Created> {
    post(token, "/people", new).await
}

pub async fn change_person(token: &str, id: UserId, change: &PersonChange) -> ApiResult<Person> {
    put(token, &format!("/people/{id}"), change).await
}

pub async fn reset_password(token: &str, id: UserId) -> ApiResult<PasswordReset> {
    post(token, &format!("/people/{id}/password-reset"), &serde_json::json!({})).await
}

/// Deactivates (`false`) or reactivates (`true`) an account.
pub async fn set_active(token: &str, id: UserId, active: bool) -> ApiResult<Person> {
    let act = if active { "reactivate" } else { "deactivate" };
    post(token, &format!("/people/{id}/{act}"), &serde_json::json!({})).await
}

pub async fn end_person_sessions(token: &str, id: UserId) -> ApiResult<()> {
    post_unit(token, &format!("/people/{id}/sessions/end"), &serde_json::json!({})).await
}

pub async fn audit(token: &str, action: Option<Action>) -> ApiResult<Vec<AuditEntry>> {
    match action {
        Some(a) => get(token, &format!("/audit?action={}", a.as_str())).await,
        None => get(token, "/audit").await,
    }
}

pub async fn audit_csv(token: &str) -> ApiResult<Vec<u8>> {
    get_bytes(token, "/audit.csv").await
}

/// Brings an archived customer back (managers and admins).
pub async fn restore_customer(token: &str, id: uuid::Uuid) -> ApiResult<()> {
    post_unit(token, &format!("/customers/{id}/restore"), &serde_json::json!({})).await
}

// Everything below is one function per endpoint, with the request and
// response types of `yingpan_shared`: no page spells a URL.

/// Everyone's names and roles.
pub async fn users(token: &str) -> ApiResult<Vec<User>> {
    get(token, "/users").await
}

pub async fn pool_rules(token: &str) -> ApiResult<PoolRules> {
    get(token, "/pool/rules").await
}

pub async fn set_pool_rules(token: &str, rules: &PoolRules) -> ApiResult<PoolRules> {
    put(token, "/pool/rules", rules).await
}

pub async fn work_rules(token: &str) -> ApiResult<WorkRules> {
    get(token, "/work/rules").await
}

pub async fn set_work_rules(token: &str, rules: &WorkRules) -> ApiResult<WorkRules> {
    put(token, "/work/rules", rules).await
}

pub async fn quote_xlsx(token: &str, id: uuid::Uuid) -> ApiResult<Vec<u8>> {
    get_bytes(token, &format!("/money/quotes/{id}/xlsx")).await
}

pub async fn print_templates(token: &str) -> ApiResult<PrintTemplates> {
    get(token, "/print/templates").await
}

/// The templates as the server sent them, for keeping offline.
pub async fn print_templates_as_sent(token: &str) -> ApiResult<serde_json::Value> {
    get(token, "/print/templates").await
}

pub async fn set_print_templates(token: &str, templates: &PrintTemplates) -> ApiResult<PrintTemplates> {
    put(token, "/print/templates", templates).await
}

pub async fn duplicate_policy(token: &str) -> ApiResult<DuplicatePolicy> {
    get(token, "/duplicates/policy").await
}

pub async fn set_duplicate_policy(token: &str, policy: &DuplicatePolicy) -> ApiResult<DuplicatePolicy> {
    put(token, "/duplicates/policy", policy).await
}

/// The company-wide duplicate check of a customer being typed (the fields
/// left empty are not sent).
pub async fn duplicates(
    token: &str,
    name: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> ApiResult<Vec<DuplicateCandidate>> {
    let query: Vec<String> = [("name", name), ("phone", phone), ("email", email)]
        .into_iter()
        .filter_map(|(k, v)| Some(format!("{k}={}", js_sys::encode_uri_component(v?))))
        .collect();
    get(token, &format!("/duplicates?{}", query.join("&"))).await
}

/// Merges `request.merged` into `survivor`.
pub async fn merge(token: &str, survivor: &str, request: &MergeRequest) -> ApiResult<()> {
    post_unit(token, &format!("/customers/{survivor}/merge"), request).await
}

pub async fn undo_merge(token: &str, merge: &str) -> ApiResult<()> {
    post_unit(token, &format!("/merges/{merge}/undo"), &serde_json::json!({})).await
}

/// Gives a customer to another rep, or to the pool (`None`).
pub async fn reassign(token: &str, customer: &str, owner: Option<UserId>) -> ApiResult<()> {
    post_unit(
        token,
        &format!("/customers/{customer}/owner"),
        &NewOwner { owner_id: owner },
    )
    .await
}

/// How much of a visit photo the server has.
pub async fn upload_state(token: &str, photo: &str, activity: &str) -> ApiResult<UploadState> {
    get(token, &format!("/photos/{photo}/upload?activity={activity}")).await
}

/// Sends the part of a photo from `offset` (of `total` bytes).
pub async fn upload_chunk(
    token: &str,
    photo: &str,
    activity: &str,
    offset: usize,
    total: usize,
    bytes: &[u8],
) -> ApiResult<UploadState> {
    let path = format!("/photos/{photo}?activity={activity}&offset={offset}&total={total}");
    put_bytes(token, &path, yingpan_shared::photo::CONTENT_TYPE, bytes).await
}

/// A visit photo's JPEG.
pub async fn photo(token: &str, photo: &str, activity: &str) -> ApiResult<Vec<u8>> {
    get_bytes(token, &format!("/photos/{photo}?activity={activity}")).await
}

/// The manager's view of the team.
pub async fn team(token: &str) -> ApiResult<TeamOverview> {
    get(token, "/team").await
}

/// A rep's departure: the plan, or (confirmed) the handover itself.
pub async fn departure(token: &str, rep: &str, request: &DepartureRequest) -> ApiResult<HandoverPlan> {
    post(token, &format!("/users/{rep}/departure"), request).await
}

pub async fn archived_customers(token: &str) -> ApiResult<Vec<ArchivedCustomer>> {
    get(token, "/customers/archived").await
}

/// The latest ownership changes whose customer matches `query`.
pub async fn ownership_history(token: &str, query: &str, limit: u32) -> ApiResult<Vec<OwnershipEntry>> {
    let q = js_sys::encode_uri_component(query);
    get(token, &format!("/ownership?limit={limit}&q={q}")).await
}

/// Checks a spreadsheet of products, or (`confirm`) imports it.
pub async fn import_products(
    token: &str,
    file: &[u8],
    confirm: bool,
) -> ApiResult<yingpan_shared::money::catalogue::ProductReport> {
    let path = if confirm {
        "/import/products?confirm=true"
    } else {
        "/import/products"
    };
    post_bytes(token, path, file).await
}

/// Checks a spreadsheet of customers, or (`confirm`) imports it; an exact
/// match is merged into the existing customer or skipped.
pub async fn import_customers(token: &str, file: &[u8], confirm: Option<ExactRows>) -> ApiResult<ImportReport> {
    let path = match confirm {
        None => "/import/customers".to_owned(),
        Some(exact) => format!("/import/customers?confirm=true&exact={}", exact.as_str()),
    };
    post_bytes(token, &path, file).await
}

pub async fn aging(token: &str, as_of: chrono::NaiveDate) -> ApiResult<yingpan_shared::money::report::AgingReport> {
    get(token, &format!("/money/aging?as_of={as_of}")).await
}

pub async fn aging_xlsx(token: &str, as_of: chrono::NaiveDate) -> ApiResult<Vec<u8>> {
    get_bytes(token, &format!("/money/aging/xlsx?as_of={as_of}")).await
}

/// A customer's statement as a workbook (the server's figures, as of its
/// today), looking `months` ahead.
pub async fn statement_xlsx(token: &str, customer: uuid::Uuid, months: u32) -> ApiResult<Vec<u8>> {
    get_bytes(
        token,
        &format!("/money/customers/{customer}/statement/xlsx?months={months}"),
    )
    .await
}

pub async fn forecast(
    token: &str,
    as_of: chrono::NaiveDate,
    months: u32,
) -> ApiResult<yingpan_shared::money::report::ForecastReport> {
    get(token, &format!("/money/forecast?as_of={as_of}&months={months}")).await
}

pub async fn money_stats(token: &str, year: i32) -> ApiResult<yingpan_shared::money::stats::Stats> {
    get(token, &format!("/money/stats?year={year}")).await
}

pub mod payables {
    //! Payables (应付): finance's suppliers, purchases and payments, kept
    //! by the server only.

    use super::{get, get_bytes, post, ApiResult};
    use uuid::Uuid;
    use yingpan_shared::money::payable::{
        PaymentBody, Purchase, ReceivedBody, SupplierBody, SupplierBook, SupplierLine,
    };
    use yingpan_shared::money::report::AgingReport;

    pub async fn suppliers(token: &str) -> ApiResult<Vec<SupplierLine>> {
        get(token, "/payables").await
    }

    pub async fn save_supplier(token: &str, body: &SupplierBody) -> ApiResult<SupplierBook> {
        post(token, "/payables", body).await
    }

    pub async fn book(token: &str, supplier: Uuid) -> ApiResult<SupplierBook> {
        get(token, &format!("/payables/{supplier}")).await
    }

    pub async fn sign(token: &str, supplier: Uuid, body: &Purchase) -> ApiResult<SupplierBook> {
        post(token, &format!("/payables/{supplier}/purchases"), body).await
    }

    pub async fn received(token: &str, supplier: Uuid, purchase: Uuid, body: &ReceivedBody) -> ApiResult<SupplierBook> {
        post(
            token,
            &format!("/payables/{supplier}/purchases/{purchase}/received"),
            body,
        )
        .await
    }

    pub async fn pay(token: &str, supplier: Uuid, body: &PaymentBody) -> ApiResult<SupplierBook> {
        post(token, &format!("/payables/{supplier}/payments"), body).await
    }

    pub async fn aging(token: &str, as_of: chrono::NaiveDate) -> ApiResult<AgingReport> {
        get(token, &format!("/money/payables/aging?as_of={as_of}")).await
    }

    pub async fn aging_xlsx(token: &str, as_of: chrono::NaiveDate) -> ApiResult<Vec<u8>> {
        get_bytes(token, &format!("/money/payables/aging/xlsx?as_of={as_of}")).await
    }
}
