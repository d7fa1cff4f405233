//! People and teams: admins add anyone and create and rename teams;
//! managers add reps to their own team and look after them. Rules in
//! `yingpan_shared::people`; read and saved on the server, so this page
//! needs a connection.

use crate::api::{self, ApiError};
use crate::i18n::{use_i18n, I18n, Msg};
use crate::sync::{use_app, AppCtx};
use leptos::prelude::*;
use leptos::task::spawn_local;
use yingpan_shared::ids::TeamId;
use yingpan_shared::people::{may_manage, NewPerson, Person, PersonChange, Team};
use yingpan_shared::user::{Role, User};
use yingpan_shared::validate::{Email, Name, Phone};

/// The session's token; `app` is taken in the component, since the
/// context is not reachable from inside a spawned task.
fn token_of(app: AppCtx) -> String {
    app.session
        .with_untracked(|s| s.as_ref().map(|s| s.token.clone()).unwrap_or_default())
}

fn me() -> Option<User> {
    use_app().session.with_untracked(|s| s.as_ref().map(|s| s.user.clone()))
}

pub fn role_name(role: Role) -> Msg {
    match role {
        Role::Rep => Msg::RoleRep,
        Role::Manager => Msg::RoleManager,
        Role::Finance => Msg::RoleFinance,
        Role::Admin => Msg::RoleAdmin,
    }
}

fn explain(i18n: I18n, e: ApiError) -> String {
    match e {
        ApiError::Unreachable => i18n.t(Msg::NeedsConnection).to_owned(),
        e => e.message().unwrap_or("error").to_owned(),
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let reload = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        reload.track();
        async move {
            let token = token_of(app);
            let people = api::people(&token).await?;
            let teams = api::teams(&token).await?;
            Ok::<_, ApiError>((people, teams))
        }
    });
    // The forms are built once, outside the reloading list, so what is
    // being typed survives a reload; they follow the teams through this.
    let teams = RwSignal::new(Vec::<Team>::new());
    Effect::new(move |_| {
        if let Some(Ok((_, loaded))) = data.get() {
            teams.set(loaded);
        }
    });
    let said = RwSignal::new(None::<String>);
    view! {
        <section class="page wide">
            <h2>{i18n.label(Msg::People)}</h2>
            <Show when=move || said.with(Option::is_some)>
                <p id="people-said" class="notice" role="status">{move || said.get().unwrap_or_default()}</p>
            </Show>
            <TeamsPanel teams=teams reload=reload said=said />
            <AddPerson teams=teams reload=reload said=said />
            <Transition fallback=move || view! { <p>{i18n.label(Msg::Loading)}</p> }>
                {move || data.get().map(|r| match r {
                    Err(e) => view! { <p class="error">{explain(i18n, e)}</p> }.into_any(),
                    Ok((people, teams)) => view! {
                        <PeopleList people=people teams=teams reload=reload said=said />
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Teams: listed for everyone here, created and renamed by admins.
#[component]
fn TeamsPanel(teams: RwSignal<Vec<Team>>, reload: RwSignal<u32>, said: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let is_admin = me().is_some_and(|u| u.role == Role::Admin);
    let name = RwSignal::new(String::new());
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match api::create_team(&token_of(app), name.get_untracked().trim()).await {
                Ok(_) => {
                    name.set(String::new());
                    reload.update(|n| *n += 1);
                }
                Err(e) => said.set(Some(explain(i18n, e))),
            }
        });
    };
    let rename = move |id: TeamId, to: String| {
        spawn_local(async move {
            match api::rename_team(&token_of(app), id, to.trim()).await {
                Ok(_) => reload.update(|n| *n += 1),
                Err(e) => said.set(Some(explain(i18n, e))),
            }
        });
    };
    is_admin.then(|| view! {
        <h3>{i18n.label(Msg::Teams)}</h3>
        <ul id="team-list" class="cards">
            {move || teams.get().into_iter().map(|t| {
                let text = RwSignal::new(t.name.clone());
                view! {
                    <li class="card row">
                        <input class="team-name" bind:value=text />
                        <button class="rename-team" on:click=move |_| rename(t.id, text.get_untracked())>{i18n.label(Msg::Rename)}</button>
                    </li>
                }
            }).collect_view()}
        </ul>
        <form id="add-team" class="row" on:submit=add>
            <input id="new-team-name" placeholder=i18n.label(Msg::NewTeam) bind:value=name required />
            <button type="submit">{i18n.label(Msg::AddTeam)}</button>
        </form>
    })
}

#[component]
fn AddPerson(teams: RwSignal<Vec<Team>>, reload: RwSignal<u32>, said: RwSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let me = me();
    let is_admin = me.as_ref().is_some_and(|u| u.role == Role::Admin);
    let own_team = me.as_ref().and_then(|u| u.team_id);
    let username = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("rep".to_owned());
    let team = RwSignal::new(own_team.map(|t| t.to_string()).unwrap_or_default());
    let phone = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let invite = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let optional = |s: String| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let built = (|| -> Result<NewPerson, String> {
            Ok(NewPerson {
                username: username.get_untracked().trim().to_owned(),
                display_name: Name::parse(&name.get_untracked()).map_err(|e| e.to_string())?,
                role: Role::parse(&role.get_untracked()).unwrap_or(Role::Rep),
                team_id: team.get_untracked().parse().ok(),
                phone: optional(phone.get_untracked())
                    .map(|p| Phone::parse(&p))
                    .transpose()
                    .map_err(|e| e.to_string())?,
                email: optional(email.get_untracked())
                    .map(|e| Email::parse(&e))
                    .transpose()
                    .map_err(|e| e.to_string())?,
                invite: invite.get_untracked(),
            })
        })();
        let new = match built {
            Ok(new) => new,
            Err(why) => return said.set(Some(why)),
        };
        spawn_local(async move {
            match api::create_person(&token_of(app), &new).await {
                Ok(created) => {
                    let who = format!(
                        "{} ({})",
                        created.person.user.display_name, created.person.user.username
                    );
                    let secret = match (created.initial_password, created.invite_token) {
                        (Some(pw), _) => format!("{} {} {pw}", who, i18n.t(Msg::OneTimePassword)),
                        (_, Some(token)) => {
                            let origin = window().location().origin().unwrap_or_default();
                            format!("{} {} {origin}/invite#token={token}", who, i18n.t(Msg::InviteLink))
                        }
                        _ => who,
                    };
                    said.set(Some(secret));
                    username.set(String::new());
                    name.set(String::new());
                    phone.set(String::new());
                    email.set(String::new());
                    reload.update(|n| *n += 1);
                }
                Err(e) => said.set(Some(explain(i18n, e))),
            }
        });
    };
    let roles: Vec<Role> = if is_admin { Role::ALL.to_vec() } else { vec![Role::Rep] };
    view! {
        <h3>{i18n.label(Msg::AddPerson)}</h3>
        <form id="add-person" on:submit=submit>
            <label for="person-username">{i18n.label(Msg::LoginName)}</label>
            <input id="person-username" autocapitalize="off" bind:value=username required />
            <label for="person-name">{i18n.label(Msg::ShownName)}</label>
            <input id="person-name" bind:value=name required />
            <label for="person-role">{i18n.label(Msg::RoleLabel)}</label>
            <select id="person-role" on:change=move |ev| role.set(event_target_value(&ev))>
                {roles.into_iter().map(|r| view! { <option value=r.as_str()>{i18n.label(role_name(r))}</option> }).collect_view()}
            </select>
            <label for="person-team">{i18n.label(Msg::Teams)}</label>
            <select id="person-team" on:change=move |ev| team.set(event_target_value(&ev))>
                {is_admin.then(|| view! { <option value="">{i18n.label(Msg::NoTeam)}</option> })}
                {move || teams.get().into_iter().filter(|t| is_admin || Some(t.id) == own_team).map(|t| {
                    let id = t.id.to_string();
                    let selected = team.get_untracked() == id;
                    view! { <option value=id selected=selected>{t.name}</option> }
                }).collect_view()}
            </select>
            <label for="person-phone">{i18n.label(Msg::Phone)}</label>
            <input id="person-phone" type="tel" bind:value=phone />
            <label for="person-email">{i18n.label(Msg::Email)}</label>
            <input id="person-email" type="email" bind:value=email />
            <label class="check"><input id="person-invite" type="checkbox" bind:checked=invite /> {i18n.label(Msg::SendInvite)}</label>
            <button id="create-person" type="submit" class="primary">{i18n.label(Msg::Create)}</button>
        </form>
    }
}

#[component]
fn PeopleList(
    people: Vec<Person>,
    teams: Vec<Team>,
    reload: RwSignal<u32>,
    said: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let me = me();
    let viewer = me.as_ref().map(yingpan_shared::access::Viewer::from);
    let is_admin = me.as_ref().is_some_and(|u| u.role == Role::Admin);
    let team_name = {
        let teams = teams.clone();
        move |id: Option<TeamId>| {
            id.and_then(|id| teams.iter().find(|t| t.id == id))
                .map(|t| t.name.clone())
                .unwrap_or_default()
        }
    };
    view! {
        <h3>{i18n.label(Msg::People)}</h3>
        <ul id="people-list" class="cards">
            {people.into_iter().map(|p| {
                let manageable = viewer.as_ref().is_some_and(|v| may_manage(v, &p.user).is_ok());
                let label = format!(
                    "{} ({}) · {} · {}",
                    p.user.display_name,
                    p.user.username,
                    i18n.t(role_name(p.user.role)),
                    team_name(p.user.team_id)
                );
                view! {
                    <li class="card person" data-username=p.user.username.clone()>
                        <strong>{label}</strong>
                        {(!p.user.active).then(|| view! { <span class="chip alert">{i18n.label(Msg::Inactive)}</span> })}
                        {manageable.then(|| view! { <PersonActions person=p.clone() teams=teams.clone() is_admin=is_admin reload=reload said=said /> })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// What the viewer may do to one account they look after.
#[component]
fn PersonActions(
    person: Person,
    teams: Vec<Team>,
    is_admin: bool,
    reload: RwSignal<u32>,
    said: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app();
    let id = person.user.id;
    let role = RwSignal::new(person.user.role.as_str().to_owned());
    let team = RwSignal::new(person.user.team_id.map(|t| t.to_string()).unwrap_or_default());
    let (before_role, before_team) = (person.user.role, person.user.team_id);
    let save = move |_| {
        let new_role = Role::parse(&role.get_untracked()).unwrap_or(before_role);
        let new_team: Option<TeamId> = team.get_untracked().parse().ok();
        let change = PersonChange {
            role: (new_role != before_role).then_some(new_role),
            team_id: (new_team != before_team).then_some(new_team),
            ..PersonChange::default()
        };
        spawn_local(async move {
            match api::change_person(&token_of(app), id, &change).await {
                Ok(_) => reload.update(|n| *n += 1),
                Err(e) => said.set(Some(explain(i18n, e))),
            }
        });
    };
    let name = person.user.display_name.clone();
    let reset = move |_| {
        let name = name.clone();
        spawn_local(async move {
            match api::reset_password(&token_of(app), id).await {
                Ok(r) => said.set(Some(format!(
                    "{name}: {} {}",
                    i18n.t(Msg::TemporaryPassword),
                    r.temporary_password
                ))),
                Err(e) => said.set(Some(explain(i18n, e))),
            }
        });
    };
    let active = person.user.active;
    let toggle = move |_| {
        spawn_local(async move {
            match api::set_active(&token_of(app), id, !active).await {
                Ok(_) => reload.update(|n| *n += 1),
                Err(e) => said.set(Some(explain(i18n, e))),
            }
        });
    };
    let end_sessions = move |_| {
        spawn_local(async move {
            if let Err(e) = api::end_person_sessions(&token_of(app), id).await {
                said.set(Some(explain(i18n, e)));
            }
        });
    };
    let roles: Vec<Role> = if is_admin {
        Role::ALL.to_vec()
    } else {
        vec![person.user.role]
    };
    view! {
        <div class="row actions">
            <select class="person-role" disabled=!is_admin on:change=move |ev| role.set(event_target_value(&ev))>
                {roles.into_iter().map(|r| view! {
                    <option value=r.as_str() selected=r == before_role>{i18n.label(role_name(r))}</option>
                }).collect_view()}
            </select>
            <select class="person-team" on:change=move |ev| team.set(event_target_value(&ev))>
                <option value="" selected=before_team.is_none()>{i18n.label(Msg::NoTeam)}</option>
                {teams.into_iter().map(|t| view! {
                    <option value=t.id.to_string() selected=Some(t.id) == before_team>{t.name}</option>
                }).collect_view()}
            </select>
            <button class="save-person" on:click=save>{i18n.label(Msg::Save)}</button>
            <button class="reset-password" on:click=reset>{i18n.label(Msg::ResetPassword)}</button>
            <button class="end-sessions" on:click=end_sessions>{i18n.label(Msg::EndSessions)}</button>
            <button class="toggle-active" on:click=toggle>
                {move || if active { i18n.t(Msg::Deactivate) } else { i18n.t(Msg::Reactivate) }}
            </button>
        </div>
    }
}
