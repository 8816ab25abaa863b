//! `/patients/{id}` and `/patients/{id}/{tab}`: a patient's header, and tabs that each capability
//! fills. Overview has the demographics (view, or edit in place), care team, clinical access,
//! portal access, and archive or restore.

use api_types::patients::{AccessBasis, ClinicalAccess, Patient, PhoneType};
use api_types::{ErrorCode, Permission};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::break_glass::BreakGlassDialog;
use super::care_team::CareTeamPanel;
use super::details::PatientDetails;
use super::form::{full_patch, PatientForm, PatientFormFields, Section};
use crate::api::{self, Loader};
use crate::areas::deferred;
use crate::auth::use_auth;
use crate::clinical::ClinicalTab;
use crate::comms::{CommsScreen, Correspondent};
use crate::components::common::{
    use_toasts, Dialog, EmptyState, PageTitle, ProblemAlert, SkeletonRows,
};
use crate::format;
use crate::forms::today;

/// A tab of the patient page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tab {
    slug: &'static str,
    label: &'static str,
    /// Whether the tab shows clinical content, and so needs clinical access.
    clinical: bool,
    /// The permission the tab needs, beyond seeing the patient.
    needs: Option<Permission>,
}

/// The tabs of capabilities that exist; a capability adds its tab when it is built.
const TABS: [Tab; 10] = [
    Tab {
        slug: "",
        label: "Overview",
        clinical: false,
        needs: None,
    },
    Tab {
        slug: "health",
        label: "Health",
        clinical: true,
        needs: None,
    },
    Tab {
        slug: "appointments",
        label: "Appointments",
        clinical: false,
        needs: None,
    },
    Tab {
        slug: "messages",
        label: "Messages",
        clinical: false,
        needs: Some(Permission::CorrespondenceRead),
    },
    Tab {
        slug: "correspondence",
        label: "Correspondence",
        clinical: false,
        needs: Some(Permission::CorrespondenceRead),
    },
    Tab {
        slug: "notes",
        label: "Notes",
        clinical: true,
        needs: None,
    },
    Tab {
        slug: "questionnaires",
        label: "Questionnaires",
        clinical: true,
        needs: None,
    },
    Tab {
        slug: "medications",
        label: "Medications",
        clinical: true,
        needs: None,
    },
    Tab {
        slug: "therapy",
        label: "Therapy",
        clinical: true,
        needs: None,
    },
    Tab {
        slug: "documents",
        label: "Documents",
        clinical: true,
        needs: None,
    },
];

/// The patient as their Correspondence tab needs them.
fn correspondent(p: &Patient) -> Correspondent {
    let d = &p.details;
    Correspondent {
        id: p.id,
        first_name: d
            .preferred_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| d.first_name.clone()),
        has_mobile: d
            .phone_numbers
            .iter()
            .any(|ph| ph.phone_type == PhoneType::Mobile && !ph.number.trim().is_empty()),
        has_email: d.email.as_deref().is_some_and(|e| !e.trim().is_empty()),
    }
}

fn display_name(p: &Patient) -> String {
    let d = &p.details;
    [
        d.title.clone(),
        Some(d.first_name.clone()),
        Some(d.last_name.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

#[component]
pub fn PatientPage() -> impl IntoView {
    let auth = use_auth();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id"))
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let tab = Memo::new(move |_| canonical_tab(&params.with(|p| p.get("tab")).unwrap_or_default()));
    let patient = Loader::new(
        move || id.get(),
        move |id| async move {
            match id {
                Some(id) => api::patients::get(&auth.client(), id).await,
                None => Err(api_types::Problem::new(ErrorCode::NotFound, None)),
            }
        },
    );
    let title = Signal::derive(move || {
        patient
            .value()
            .map_or_else(|| "Patient".to_owned(), |p| display_name(&p))
    });
    view! {
        <PageTitle text=title />
        <div class="page">
            <nav class="breadcrumbs" aria-label="Breadcrumbs">
                <A href="/patients">"Patients"</A>
            </nav>
            {move || match patient.get() {
                None => view! { <SkeletonRows rows=6 /> }.into_any(),
                Some(Err(problem)) if problem.code == ErrorCode::NotFound => {
                    view! {
                        <EmptyState
                            title="Patient not found"
                            detail="There is no patient at this address, or it is not one you may see."
                        />
                    }
                        .into_any()
                }
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(p)) => view! { <PatientBody patient=p loader=patient tab /> }.into_any(),
            }}
        </div>
    }
}

#[component]
fn PatientBody(patient: Patient, loader: Loader<Patient>, tab: Memo<String>) -> impl IntoView {
    let auth = use_auth();
    let id = patient.id;
    let can_clinical = move || {
        auth.me()
            .is_some_and(|me| me.role.has(Permission::ClinicalAccess))
    };
    let access = Loader::new(can_clinical, move |allowed| async move {
        if allowed {
            api::patients::clinical_access(&auth.client(), id)
                .await
                .map(Some)
        } else {
            Ok(None)
        }
    });
    let current = Memo::new(move |_| loader.value().unwrap_or_else(|| patient.clone()));
    let may = move |t: &Tab| {
        t.needs
            .is_none_or(|p| auth.me().is_some_and(|me| me.role.has(p)))
    };
    let tabs = move || {
        TABS.into_iter()
            .filter(|t| (!t.clinical || can_clinical()) && may(t))
            .collect::<Vec<_>>()
    };
    view! {
        <PatientHeader patient=current />
        <nav class="tabs" aria-label="Patient record">
            <ul class="tabs-list">
                {move || {
                    tabs()
                        .into_iter()
                        .map(|t| {
                            let href = if t.slug.is_empty() {
                                format!("/patients/{id}")
                            } else {
                                format!("/patients/{id}/{}", t.slug)
                            };
                            view! {
                                <li>
                                    <A
                                        href=href
                                        exact=true
                                        attr:class="tab"
                                        attr:aria-current=move || (tab.get() == t.slug).then_some("page")
                                    >
                                        {t.label}
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </nav>
        {move || {
            let slug = tab.get();
            let Some(t) = TABS.into_iter().find(|t| t.slug == slug) else {
                return view! { <EmptyState title="No such tab" /> }.into_any();
            };
            if !may(&t) {
                return view! {
                    <EmptyState
                        title="Not available to your role"
                        detail="Your role does not include this part of the record."
                    />
                }
                    .into_any();
            }
            if t.clinical && !can_clinical() {
                return view! {
                    <EmptyState
                        title="Not available to your role"
                        detail="Clinical content is for the clinicians who look after this patient."
                    />
                }
                    .into_any();
            }
            match t.slug {
                "" => view! { <Overview patient=current loader access /> }.into_any(),
                "appointments" => {
                    let name = display_name(&current.get_untracked());
                    view! { <crate::scheduling::AppointmentsPanel patient_id=id patient_name=name /> }.into_any()
                }
                "correspondence" => {
                    let p = current.get_untracked();
                    deferred(crate::comms::page(CommsScreen::Patient(correspondent(&p))))
                }
                "messages" => {
                    let p = current.get_untracked();
                    deferred(crate::comms::page(CommsScreen::PatientMessages(correspondent(&p))))
                }
                slug => view! { <LaterTab slug clinical=t.clinical access patient_id=id /> }.into_any(),
            }
        }}
    }
}

#[component]
fn PatientHeader(patient: Memo<Patient>) -> impl IntoView {
    move || {
        let p = patient.get();
        let today = today();
        let d = &p.details;
        let preferred = d
            .preferred_name
            .clone()
            .filter(|n| n != &d.first_name && !n.is_empty());
        view! {
            <header class="patient-header">
                <div class="avatar avatar-large" aria-hidden="true">
                    {d.first_name.chars().next().into_iter().chain(d.last_name.chars().next()).collect::<String>()}
                </div>
                <div class="patient-header-main">
                    <h1 class="page-title">
                        {display_name(&p)}
                        {preferred.map(|n| view! { <span class="muted patient-preferred">" “" {n} "”"</span> })}
                        {p.archived_at.map(|_| view! { <span class="badge badge-muted">"Archived"</span> })}
                    </h1>
                    <ul class="patient-facts">
                        {d
                            .date_of_birth
                            .map(|dob| {
                                view! {
                                    <li>
                                        <span class="muted">"Age "</span>
                                        {format::age(dob, today)}
                                        <span class="muted">" · Born "</span>
                                        {format::date(dob)}
                                    </li>
                                }
                            })}
                        {d.sex.map(|s| view! { <li>{format::sex(s)}</li> })}
                        {d
                            .medicare_number
                            .clone()
                            .map(|m| {
                                view! {
                                    <li>
                                        <span class="muted">"Medicare "</span>
                                        {format::medicare(&m)}
                                        {d.medicare_irn.clone().map(|i| format!(" / {i}"))}
                                    </li>
                                }
                            })}
                        {d
                            .phone_numbers
                            .first()
                            .map(|ph| view! { <li>{ph.number.clone()}</li> })}
                    </ul>
                </div>
            </header>
        }
    }
}

#[component]
fn Overview(
    patient: Memo<Patient>,
    loader: Loader<Patient>,
    access: Loader<Option<ClinicalAccess>>,
) -> impl IntoView {
    let auth = use_auth();
    let editing = RwSignal::new(false);
    let can = move |p: Permission| auth.me().is_some_and(|me| me.role.has(p));
    let id = patient.with_untracked(|p| p.id);
    view! {
        <div class="split">
            <div class="split-main">
                <ArchivedBanner patient />
                <section class="card" aria-labelledby="details-heading">
                    <div class="card-header">
                        <h2 id="details-heading" class="card-title">"Details"</h2>
                        <Show when=move || !editing.get() && can(Permission::PatientsWrite)>
                            <button
                                type="button"
                                class="button button-secondary button-small"
                                on:click=move |_| editing.set(true)
                            >
                                "Edit"
                            </button>
                        </Show>
                    </div>
                    {move || {
                        if editing.get() {
                            view! { <EditDetails patient loader editing /> }.into_any()
                        } else {
                            view! { <PatientDetails details=patient.get().details /> }.into_any()
                        }
                    }}
                </section>
            </div>
            <aside class="split-side">
                <Show when=move || can(Permission::ClinicalAccess)>
                    <AccessPanel patient_id=id access />
                </Show>
                <CareTeamPanel patient_id=id on_change=Callback::new(move |()| access.reload()) />
                <crate::sharing::ConsentsCard patient_id=id patient_view=false can_edit=can(Permission::PatientsWrite) />
                <Show when=move || can(Permission::PatientsInvite)>
                    <PortalPanel patient />
                </Show>
                <Show when=move || can(Permission::PatientsArchive)>
                    <ArchivePanel patient loader />
                </Show>
            </aside>
        </div>
    }
}

#[component]
fn ArchivedBanner(patient: Memo<Patient>) -> impl IntoView {
    move || {
        patient.get().archived_at.map(|at| {
            view! {
                <div class="alert alert-info" role="note">
                    <p class="alert-title">"This patient is archived"</p>
                    <p class="alert-body">
                        "Archived on " {format::date_time(at)}
                        ". Archived patients are left out of searches unless you ask for them; their record is kept."
                    </p>
                </div>
            }
        })
    }
}

#[component]
fn EditDetails(
    patient: Memo<Patient>,
    loader: Loader<Patient>,
    editing: RwSignal<bool>,
) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let original = patient.get_untracked();
    let form = PatientForm::new(&original.details);
    let problem = RwSignal::new(None::<api_types::Problem>);
    let save = Action::new_unsync(move |input: &api_types::patients::PatientInput| {
        let input = input.clone();
        let current = patient.get_untracked();
        async move {
            match api::patients::update(
                &auth.client(),
                current.id,
                &full_patch(input),
                current.version,
            )
            .await
            {
                Ok(saved) => {
                    loader.set(saved);
                    editing.set(false);
                    toasts.success("Saved.");
                }
                Err(p) => problem.set(form.errors.absorb(p)),
            }
        }
    });
    let pending = save.pending();
    let stale = move || {
        problem.with(|p| {
            p.as_ref()
                .is_some_and(|p| p.code == ErrorCode::PreconditionFailed)
        })
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        if let Some(input) = form.checked_input() {
            save.dispatch(input);
        }
    };
    view! {
        <form class="stack" on:submit=on_submit novalidate=true>
            {move || {
                if stale() {
                    view! {
                        <div class="alert alert-error" role="alert">
                            <p class="alert-title">"Someone else changed this record"</p>
                            <p class="alert-body">
                                "Your changes were not saved. Reload to see the latest details, then make your changes again."
                            </p>
                            <button
                                type="button"
                                class="button button-secondary button-small"
                                on:click=move |_| {
                                    editing.set(false);
                                    loader.reload();
                                }
                            >
                                "Reload"
                            </button>
                        </div>
                    }
                        .into_any()
                } else {
                    problem.get().map(|problem| view! { <ProblemAlert problem /> }).into_any()
                }
            }}
            <PatientFormFields form section=Section::All />
            <div class="form-actions">
                <button type="button" class="button button-secondary" on:click=move |_| editing.set(false)>
                    "Cancel"
                </button>
                <button type="submit" class="button button-primary" disabled=move || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save changes" }}
                </button>
            </div>
        </form>
    }
}

/// Whether the signed-in clinician may open this patient's clinical record, and why; the way to
/// break the glass when they may not.
#[component]
fn AccessPanel(patient_id: Uuid, access: Loader<Option<ClinicalAccess>>) -> impl IntoView {
    let dialog_open = RwSignal::new(false);
    view! {
        <section class="card" aria-labelledby="access-heading">
            <h2 id="access-heading" class="card-title">"Clinical access"</h2>
            {move || match access.get() {
                None => view! { <SkeletonRows rows=1 /> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(None)) => ().into_any(),
                Some(Ok(Some(a))) if a.allowed => {
                    let why = match a.basis {
                        Some(AccessBasis::Admin) => "as an administrator".to_owned(),
                        Some(AccessBasis::CareTeam) => "as a member of the care team".to_owned(),
                        Some(AccessBasis::BreakGlass) => {
                            format!(
                                "by emergency access, until {}",
                                a.expires_at.map(format::date_time).unwrap_or_default()
                            )
                        }
                        Some(AccessBasis::Grant) => {
                            let what = match &a.categories {
                                None => "their record".to_owned(),
                                Some(c) => c
                                    .iter()
                                    .map(|c| c.label().to_lowercase())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            };
                            let until = a
                                .expires_at
                                .map(|t| format!(" until {}", format::until(t)))
                                .unwrap_or_default();
                            format!("because the patient shared {what} with you{until}")
                        }
                        Some(AccessBasis::OwnRecord) => "as the patient".to_owned(),
                        Some(AccessBasis::Integration) => "through an integration".to_owned(),
                        None => String::new(),
                    };
                    view! {
                        <p>
                            <span class="badge badge-success">"Allowed"</span>
                            " You may open this patient's clinical record " {why} "."
                        </p>
                    }
                        .into_any()
                }
                Some(Ok(Some(_))) => {
                    view! {
                        <p class="muted">"You are not on this patient's care team, so their clinical record is closed to you."</p>
                        <button
                            type="button"
                            class="button button-danger-outline"
                            on:click=move |_| dialog_open.set(true)
                        >
                            "Break the glass"
                        </button>
                    }
                        .into_any()
                }
            }}
            <BreakGlassDialog
                patient_id
                open=dialog_open
                on_granted=Callback::new(move |granted: ClinicalAccess| access.set(Some(granted)))
            />
        </section>
    }
}

#[component]
fn PortalPanel(patient: Memo<Patient>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let status = Loader::new(
        move || patient.with(|p| (p.id, p.version)),
        move |(id, _)| async move { api::patients::portal_status(&auth.client(), id).await },
    );
    let invite = Action::new_unsync(move |_: &()| {
        let id = patient.with_untracked(|p| p.id);
        async move {
            match api::patients::invite_to_portal(&auth.client(), id, None).await {
                Ok(inv) if inv.approved_at.is_some() => {
                    toasts.success(format!("Portal invitation sent to {}.", inv.email));
                    status.reload();
                }
                Ok(_) => {
                    toasts.success(
                        "Invitation ready: a clinician on the care team approves it before it is sent.",
                    );
                    status.reload();
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let approve = Action::new_unsync(move |_: &()| {
        let id = patient.with_untracked(|p| p.id);
        async move {
            match api::patients::approve_portal_invitation(&auth.client(), id).await {
                Ok(inv) => {
                    toasts.success(format!("Portal invitation sent to {}.", inv.email));
                    status.reload();
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    let has_email = move || patient.with(|p| p.details.email.is_some());
    let erased = move || patient.with(|p| p.erased_at.is_some());
    view! {
        <section class="card" aria-labelledby="portal-heading">
            <h2 id="portal-heading" class="card-title">"Patient portal"</h2>
            {move || match status.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
                Some(Ok(s)) if s.has_account => {
                    view! { <p>"The patient has a portal account."</p> }.into_any()
                }
                Some(Ok(s)) => {
                    let waiting = s.invitation.clone();
                    let can_approve = s.can_approve;
                    view! {
                        <p class="muted">
                            "The portal shows the patient their details, appointments and clinical record. Invitations go to the email on their record."
                        </p>
                        {waiting
                            .map(|inv| {
                                let sent = inv.approved_at.is_some();
                                view! {
                                    <p class="portal-invitation" data-testid="portal-invitation">
                                        {if sent {
                                            format!(
                                                "Invitation sent to {} on {}; the link works until {}.",
                                                inv.email,
                                                format::date_time(inv.approved_at.unwrap_or(inv.created_at)),
                                                format::date_time(inv.expires_at),
                                            )
                                        } else {
                                            format!(
                                                "An invitation to {} is waiting for a clinician on the care team to approve it.",
                                                inv.email,
                                            )
                                        }}
                                    </p>
                                    <Show when=move || !sent && can_approve>
                                        <button
                                            type="button"
                                            class="button button-primary"
                                            disabled=move || approve.pending().get()
                                            on:click=move |_| {
                                                approve.dispatch(());
                                            }
                                        >
                                            "Approve and send"
                                        </button>
                                    </Show>
                                }
                            })}
                        <button
                            type="button"
                            class="button button-secondary"
                            disabled=move || !has_email() || erased() || invite.pending().get()
                            on:click=move |_| {
                                invite.dispatch(());
                            }
                        >
                            {if s.invitation.is_some() {
                                "Send a new invitation"
                            } else {
                                "Send portal invitation"
                            }}
                        </button>
                        <Show when=move || !has_email() && !erased()>
                            <p class="field-hint">"Add an email address to the patient's details first."</p>
                        </Show>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn ArchivePanel(patient: Memo<Patient>, loader: Loader<Patient>) -> impl IntoView {
    let auth = use_auth();
    let toasts = use_toasts();
    let confirm_open = RwSignal::new(false);
    let archived = move || patient.with(|p| p.archived_at.is_some());
    let change = Action::new_unsync(move |archive: &bool| {
        let archive = *archive;
        let p = patient.get_untracked();
        async move {
            let result = if archive {
                api::patients::archive(&auth.client(), p.id, p.version).await
            } else {
                api::patients::restore(&auth.client(), p.id, p.version).await
            };
            match result {
                Ok(saved) => {
                    confirm_open.set(false);
                    toasts.success(if archive {
                        "Patient archived."
                    } else {
                        "Patient restored."
                    });
                    loader.set(saved);
                }
                Err(p) if p.code == ErrorCode::PreconditionFailed => {
                    toasts.error(
                        "Someone else changed this record. It has been reloaded; try again.",
                    );
                    loader.reload();
                }
                Err(p) => toasts.error(p.detail.unwrap_or(p.title)),
            }
        }
    });
    view! {
        <section class="card" aria-labelledby="archive-heading">
            <h2 id="archive-heading" class="card-title">"Record status"</h2>
            {move || {
                if let Some(at) = patient.with(|p| p.erased_at) {
                    view! {
                        <p>
                            <span class="badge badge-muted">"Erased"</span>
                            {format!(
                                " The patient's personal data was erased on {}. The health record is kept, closed, for the period the law requires: it cannot be restored, changed or shared.",
                                format::date_time(at),
                            )}
                        </p>
                    }
                        .into_any()
                } else if archived() {
                    view! {
                        <button
                            type="button"
                            class="button button-secondary"
                            disabled=move || change.pending().get()
                            on:click=move |_| {
                                change.dispatch(false);
                            }
                        >
                            "Restore patient"
                        </button>
                    }
                        .into_any()
                } else {
                    view! {
                        <button
                            type="button"
                            class="button button-danger-outline"
                            on:click=move |_| confirm_open.set(true)
                        >
                            "Archive patient"
                        </button>
                    }
                        .into_any()
                }
            }}
            <Dialog open=confirm_open title="Archive this patient?" id="archive-confirm">
                <p>
                    "The patient will be left out of searches and lists. Their record is kept, and they can be restored at any time."
                </p>
                <div class="form-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| confirm_open.set(false)>
                        "Cancel"
                    </button>
                    <button
                        type="button"
                        class="button button-danger"
                        disabled=move || change.pending().get()
                        on:click=move |_| {
                            change.dispatch(true);
                        }
                    >
                        "Archive"
                    </button>
                </div>
            </Dialog>
        </section>
    }
}

/// A tab whose capability has not put anything in this record yet. Clinical tabs first check
/// that the clinician may open the record.
#[component]
fn LaterTab(
    slug: &'static str,
    clinical: bool,
    access: Loader<Option<ClinicalAccess>>,
    patient_id: Uuid,
) -> impl IntoView {
    let dialog_open = RwSignal::new(false);
    let empty = move || {
        let (title, detail) = match slug {
            "health" => (
                "No health data yet",
                "Observations from devices and manual entries will be charted here.",
            ),
            _ => (
                "Nothing here yet",
                "This part of the record has nothing in it yet.",
            ),
        };
        view! { <EmptyState title=title detail=detail /> }
    };
    move || {
        if !clinical {
            return empty().into_any();
        }
        match access.get() {
            None => view! { <SkeletonRows rows=3 /> }.into_any(),
            Some(Ok(Some(a))) if a.allowed && slug == "health" => {
                deferred(crate::health::panel(patient_id, true))
            }
            Some(Ok(Some(a))) if a.allowed => match clinical_tab(slug) {
                Some(tab) => deferred(crate::clinical::tab(tab, patient_id)),
                None => empty().into_any(),
            },
            Some(Err(problem)) => view! { <ProblemAlert problem /> }.into_any(),
            Some(Ok(_)) => {
                view! {
                    <EmptyState
                        title="This clinical record is closed to you"
                        detail="Only the patient's care team may open it. In an emergency, you can break the glass: your reason is recorded."
                    >
                        <button type="button" class="button button-danger-outline" on:click=move |_| dialog_open.set(true)>
                            "Break the glass"
                        </button>
                    </EmptyState>
                    <BreakGlassDialog
                        patient_id
                        open=dialog_open
                        on_granted=Callback::new(move |granted: ClinicalAccess| access.set(Some(granted)))
                    />
                }
                    .into_any()
            }
        }
    }
}

/// A tab's address as its label reads; addresses used before (`assessments`, `overview`) still
/// open their tab.
fn canonical_tab(slug: &str) -> String {
    match slug {
        "assessments" => "questionnaires".to_owned(),
        "overview" => String::new(),
        other => other.to_owned(),
    }
}

/// The clinical tab a slug names.
fn clinical_tab(slug: &str) -> Option<ClinicalTab> {
    match slug {
        "questionnaires" => Some(ClinicalTab::Assessments),
        "notes" => Some(ClinicalTab::Notes),
        "medications" => Some(ClinicalTab::Medications),
        "therapy" => Some(ClinicalTab::Therapy),
        "documents" => Some(ClinicalTab::Documents),
        _ => None,
    }
}
