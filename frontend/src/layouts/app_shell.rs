//! The frame around every signed-in screen: a sidebar (full, compact, or an overlay on phones),
//! a top bar with the user menu, and the page.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_location;

use super::nav::{self, NavItem};
use super::user_menu::UserMenu;
use crate::auth::{use_auth, IdleWatch};
use crate::components::common::IconSvg;

/// Where the sidebar's mode is remembered across reloads.
const SIDEBAR_KEY: &str = "carebase.sidebar";

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn remembered_compact() -> bool {
    storage()
        .and_then(|s| s.get_item(SIDEBAR_KEY).ok().flatten())
        .is_some_and(|v| v == "compact")
}

fn remember_compact(compact: bool) {
    if let Some(s) = storage() {
        // Private browsing may refuse; the mode then lasts for this visit only.
        let _ = s.set_item(SIDEBAR_KEY, if compact { "compact" } else { "full" });
    }
}

/// Whether the screen is phone-sized, where the sidebar is an overlay.
fn is_narrow() -> bool {
    window()
        .match_media("(max-width: 767px)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches())
}

#[component]
pub fn AppShell() -> impl IntoView {
    let auth = use_auth();
    let compact = RwSignal::new(remembered_compact());
    let overlay_open = RwSignal::new(false);
    let location = use_location();
    // Following a link on a phone closes the overlay.
    Effect::new(move |_| {
        location.pathname.track();
        overlay_open.set(false);
    });

    let toggle = move |_| {
        if is_narrow() {
            overlay_open.update(|o| *o = !*o);
        } else {
            compact.update(|c| *c = !*c);
            remember_compact(compact.get_untracked());
        }
    };
    // The practice's own name, as the signed-in account carries it.
    let area = move || {
        auth.me().map(|me| {
            let practice = me.practice_name.trim().to_owned();
            match (me.role.is_staff(), practice.is_empty()) {
                (true, false) => view! { {practice} }.into_any(),
                (true, true) => view! { "Practice" }.into_any(),
                // On a phone the practice's name is enough.
                (false, false) => view! {
                    {practice}
                    <span class="topbar-area-more">" · Patient portal"</span>
                }
                .into_any(),
                (false, true) => view! { "Patient portal" }.into_any(),
            }
        })
    };
    let sections = move || auth.me().map(|me| nav::sections(&me)).unwrap_or_default();
    crate::api::live::start(auth.client());
    let open_alerts = open_alert_count();
    let unread = unread_message_count();

    view! {
        <a class="skip-link" href="#main">
            "Skip to main content"
        </a>
        <div
            class="shell"
            class:shell-compact=move || compact.get()
            class:shell-overlay-open=move || overlay_open.get()
        >
            <aside class="sidebar" id="sidebar" aria-label="Main">
                <div class="sidebar-brand">
                    <A href="/" attr:class="brand">
                        <span class="brand-mark" aria-hidden="true"></span>
                        <span class="brand-text">"Carebase"</span>
                    </A>
                </div>
                <nav class="sidebar-nav" aria-label="Main navigation">
                    {move || {
                        sections()
                            .into_iter()
                            .map(|section| {
                                view! {
                                    <div class="nav-section">
                                        {section
                                            .title
                                            .map(|t| view! { <p class="nav-section-title">{t}</p> })}
                                        <ul class="nav-list">
                                            {section
                                                .items
                                                .into_iter()
                                                .map(|item| {
                                                    let badge = Signal::derive(move || match item.href {
                                                        "/" => open_alerts.get().map(|n| (n, "open alert", "open alerts")),
                                                        nav::MESSAGES_PATH | nav::PORTAL_MESSAGES_PATH => {
                                                            unread.get().map(|n| (n, "unread conversation", "unread conversations"))
                                                        }
                                                        _ => None,
                                                    });
                                                    view! { <NavLink item compact badge /> }
                                                })
                                                .collect_view()}
                                        </ul>
                                    </div>
                                }
                            })
                            .collect_view()
                    }}
                </nav>
            </aside>
            <div
                class="sidebar-backdrop"
                aria-hidden="true"
                on:click=move |_| overlay_open.set(false)
            ></div>
            <div class="shell-main">
                <header class="topbar">
                    <button
                        type="button"
                        class="button button-ghost button-icon sidebar-toggle"
                        aria-controls="sidebar"
                        aria-expanded=move || {
                            if overlay_open.get() || !compact.get() { "true" } else { "false" }
                        }
                        aria-label=move || {
                            if compact.get() { "Expand the sidebar" } else { "Collapse the sidebar" }
                        }
                        on:click=toggle
                    >
                        <IconSvg icon=nav::ICON_MENU />
                    </button>
                    <span class="topbar-area">{area}</span>
                    <div class="topbar-end">
                        <UserMenu />
                    </div>
                </header>
                <main id="main" class="app-main" tabindex="-1">
                    <Outlet />
                </main>
            </div>
        </div>
        <IdleWatch />
    }
}

/// Bumped by screens that raise or acknowledge alerts, so that the count follows at once.
#[derive(Debug, Clone, Copy)]
pub struct AlertsChanged(pub RwSignal<u64>);

impl AlertsChanged {
    /// The shell's, when there is one. Take it while the component is built: contexts are
    /// not reachable from inside a running request.
    pub fn from_context() -> Option<AlertsChanged> {
        use_context::<AlertsChanged>()
    }

    /// Tells the shell to count again.
    pub fn notify(&self) {
        self.0.try_update(|n| *n += 1);
    }
}

/// How often the open-alert count is asked for again, in milliseconds.
const ALERT_POLL_MS: u64 = 60_000;

/// For clinicians: how many critical readings await them, asked for now and every minute, so
/// that a new one shows beside Dashboard wherever they are in the app.
fn open_alert_count() -> RwSignal<Option<u64>> {
    let auth = use_auth();
    let count = RwSignal::new(None::<u64>);
    let clinical = move || {
        auth.me()
            .is_some_and(|me| me.role.has(api_types::Permission::ClinicalAccess))
    };
    let fetch = move || {
        if !clinical() {
            return;
        }
        leptos::task::spawn_local(async move {
            let query = api_types::health::AlertQuery {
                limit: Some(1),
                ..Default::default()
            };
            if let Ok(page) = crate::api::health::alerts(&auth.client(), &query).await {
                count.try_set(Some(page.total));
            }
        });
    };
    let changed = RwSignal::new(0_u64);
    provide_context(AlertsChanged(changed));
    Effect::new(move |_| {
        changed.track();
        fetch();
    });
    if let Ok(handle) =
        set_interval_with_handle(fetch, std::time::Duration::from_millis(ALERT_POLL_MS))
    {
        on_cleanup(move || handle.clear());
    }
    count
}

/// Bumped by screens that read a conversation, so that the unread count follows at once.
#[derive(Debug, Clone, Copy)]
pub struct MessagesChanged(pub RwSignal<u64>);

impl MessagesChanged {
    /// The shell's, when there is one. Take it while the component is built.
    pub fn from_context() -> Option<MessagesChanged> {
        use_context::<MessagesChanged>()
    }

    /// Tells the shell to count again.
    pub fn notify(&self) {
        self.0.try_update(|n| *n += 1);
    }
}

/// How many conversations have messages the person has not read: for staff who read
/// correspondence and for patients, asked for now, whenever a conversation changes (the live
/// connection says so), and when a screen reads one.
fn unread_message_count() -> RwSignal<Option<u64>> {
    let auth = use_auth();
    let count = RwSignal::new(None::<u64>);
    let may = move || {
        auth.me().is_some_and(|me| {
            me.role == api_types::Role::Patient
                || me.role.has(api_types::Permission::CorrespondenceRead)
        })
    };
    let fetch = move || {
        if !untrack(may) {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(unread) = crate::api::messaging::unread(&auth.client()).await {
                count.try_set(Some(u64::from(unread.threads)));
            }
        });
    };
    let changed = RwSignal::new(0_u64);
    provide_context(MessagesChanged(changed));
    Effect::new(move |_| {
        changed.track();
        fetch();
    });
    crate::api::live::on_change(
        |frame| matches!(frame, api_types::messaging::LiveFrame::Thread { .. }),
        fetch,
    );
    count
}

/// A sidebar link; in compact mode only its icon shows, and the label becomes its tooltip.
#[component]
fn NavLink(
    item: NavItem,
    compact: RwSignal<bool>,
    /// A count shown beside the label, such as open alerts, with what it counts (one, many).
    #[prop(into)]
    badge: Signal<Option<(u64, &'static str, &'static str)>>,
) -> impl IntoView {
    let location = use_location();
    let href = item.href;
    let current = move || {
        let path = location.pathname.get();
        if href == "/" {
            path == "/"
        } else {
            path == href || path.starts_with(&format!("{href}/"))
        }
    };
    view! {
        <li>
            <A
                href=href
                attr:class="nav-link"
                attr:aria-current=move || current().then_some("page")
                attr:title=move || compact.get().then_some(item.label)
            >
                <IconSvg icon=item.icon />
                <span class="nav-label">{item.label}</span>
                {move || {
                    badge
                        .get()
                        .filter(|(n, _, _)| *n > 0)
                        .map(|(n, one, many)| {
                            let noun = if n == 1 { one } else { many };
                            view! {
                                <span class="nav-badge" title=format!("{n} {noun}")>
                                    {n.to_string()}
                                    <span class="visually-hidden">{format!(" {noun}")}</span>
                                </span>
                            }
                        })
                }}
            </A>
        </li>
    }
}
