//! The router: every screen of the app, and who may see it.
//!
//! Sign-in and the other signed-out pages, the shell and the not-found page are in the module
//! the page loads; every other screen is in one of the app's areas (see `areas`), which the
//! router fetches on the way to the screen, keeping the current one until it has arrived.

use api_types::{Permission, Role};
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, Lazy, LazyRoute, MatchNestedRoutes};

use crate::account::{self, AccountPage};
use crate::admin::{self, AdminPage};
use crate::areas::deferred;
use crate::auth::{
    provide_auth, ForgotPasswordPage, InvitationPage, LoginPage, RequirePermission, RequireRole,
    ResetPasswordPage, SignedInGate, SignedOutGate, STAFF,
};
use crate::comms::{self, CommsScreen};
use crate::components::common::{provide_toasts, ToastRegion};
use crate::pages::{self, NotFound, NotFoundInShell};
use crate::patients::{self, PatientsPage};
use crate::portal::{self, PortalPage};
use crate::scheduling::{self, SchedulingPage};

#[component]
pub fn App() -> impl IntoView {
    provide_auth();
    provide_toasts();
    view! {
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route
                    path=path!("/login")
                    view=|| view! { <SignedOutGate><LoginPage /></SignedOutGate> }
                />
                <Route
                    path=path!("/forgot-password")
                    view=|| view! { <SignedOutGate><ForgotPasswordPage /></SignedOutGate> }
                />
                <Route path=path!("/reset-password") view=ResetPasswordPage />
                <Route path=path!("/invite") view=InvitationPage />
                <SignedInRoutes />
            </Routes>
        </Router>
        <ToastRegion />
    }
}

/// Screens inside the app shell, for signed-in people only.
#[component(transparent)]
fn SignedInRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("") view=SignedInGate>
            <Route path=path!("") view={Lazy::<HomeScreen>::new()} />
            <Route path=path!("account/profile") view={Lazy::<ProfileScreen>::new()} />
            <Route path=path!("account/security") view={Lazy::<SecurityScreen>::new()} />
            <Route path=path!("patients") view={Lazy::<PatientListScreen>::new()} />
            <Route path=path!("patients/new") view={Lazy::<NewPatientScreen>::new()} />
            <Route path=path!("patients/:id") view={Lazy::<PatientScreen>::new()} />
            <Route path=path!("patients/:id/:tab") view={Lazy::<PatientScreen>::new()} />
            <Route path=path!("communications") view={Lazy::<CommunicationsScreen>::new()} />
            <Route path=path!("messages") view={Lazy::<MessagesScreen>::new()} />
            <Route path=path!("messages/:id") view={Lazy::<ConversationScreen>::new()} />
            <Route path=path!("calendar") view={Lazy::<CalendarScreen>::new()} />
            <Route path=path!("schedule/availability") view={Lazy::<AvailabilityScreen>::new()} />
            <Route path=path!("schedule/team") view={Lazy::<TeamScreen>::new()} />
            <Route path=path!("admin/appointment-types") view={Lazy::<AppointmentTypesScreen>::new()} />
            <Route path=path!("admin/scheduling") view={Lazy::<SchedulingSettingsScreen>::new()} />
            <Route path=path!("admin/users") view={Lazy::<StaffScreen>::new()} />
            <Route path=path!("admin/api-keys") view={Lazy::<ApiKeysScreen>::new()} />
            <Route path=path!("admin/audit") view={Lazy::<AuditScreen>::new()} />
            <Route path=path!("admin/outbox") view={Lazy::<OutboxScreen>::new()} />
            <Route path=path!("admin/data-requests") view={Lazy::<DataRequestsScreen>::new()} />
            <Route path=path!("admin/settings") view={Lazy::<SettingsScreen>::new()} />
            <Route path=path!("admin/integrations") view={Lazy::<IntegrationsScreen>::new()} />
            <Route path=path!("admin/jobs") view={Lazy::<JobsScreen>::new()} />
            <Route path=path!("admin/webhooks") view={Lazy::<WebhooksScreen>::new()} />
            <Route path=path!("portal/messages") view={Lazy::<MyMessagesScreen>::new()} />
            <Route path=path!("portal/messages/:id") view={Lazy::<MyConversationScreen>::new()} />
            <Route path=path!("portal/details") view={Lazy::<MyDetailsScreen>::new()} />
            <Route path=path!("portal/appointments") view={Lazy::<MyAppointmentsScreen>::new()} />
            <Route path=path!("portal/health") view={Lazy::<MyHealthScreen>::new()} />
            <Route path=path!("portal/privacy") view={Lazy::<MyPrivacyScreen>::new()} />
            <Route path=path!("portal/medications") view={Lazy::<MyMedicationsScreen>::new()} />
            <Route path=path!("portal/homework") view={Lazy::<MyHomeworkScreen>::new()} />
            <Route path=path!("portal/records") view={Lazy::<MyRecordsScreen>::new()} />
            <Route path=path!("portal/questionnaires") view={Lazy::<MyQuestionnairesScreen>::new()} />
            <Route path=path!("*any") view=NotFoundInShell />
        </ParentRoute>
    }
    .into_inner()
}

/// A screen in one of the app's areas: `preload` fetches the area's code (with the `split`
/// feature; a development build has it already), `view` shows the screen, guarded.
macro_rules! area_screen {
    ($name:ident, preload = $preload:expr, $view:expr) => {
        struct $name;

        impl LazyRoute for $name {
            fn data() -> Self {
                Self
            }

            async fn view(_: Self) -> AnyView {
                $view.into_any()
            }

            async fn preload() {
                #[cfg(feature = "split")]
                $preload.await;
            }
        }
    };
    ($name:ident, $preload:path, $view:expr) => {
        area_screen!($name, preload = $preload(), $view);
    };
}

/// The screen for staff holding `permission`.
fn for_permission(permission: Permission, screen: fn() -> AnyView) -> impl IntoView {
    view! { <RequirePermission permission>{screen()}</RequirePermission> }
}

/// The screen for accounts of one of `roles`.
fn for_roles(roles: &'static [Role], screen: fn() -> AnyView) -> impl IntoView {
    view! { <RequireRole roles>{screen()}</RequireRole> }
}

const PATIENT: &[Role] = &[Role::Patient];

area_screen!(HomeScreen, pages::__preload_home, deferred(pages::home()));
area_screen!(
    ProfileScreen,
    account::__preload_page,
    deferred(account::page(AccountPage::Profile))
);
area_screen!(
    SecurityScreen,
    account::__preload_page,
    deferred(account::page(AccountPage::Security))
);
area_screen!(
    PatientListScreen,
    patients::__preload_page,
    for_permission(Permission::PatientsRead, || deferred(patients::page(
        PatientsPage::List
    )))
);
area_screen!(
    NewPatientScreen,
    patients::__preload_page,
    for_permission(Permission::PatientsWrite, || deferred(patients::page(
        PatientsPage::New
    )))
);
area_screen!(
    PatientScreen,
    patients::__preload_page,
    for_roles(STAFF, || deferred(patients::page(PatientsPage::Record)))
);
area_screen!(
    CommunicationsScreen,
    comms::__preload_page,
    for_permission(Permission::CorrespondenceRead, || deferred(comms::page(
        CommsScreen::Communications
    )))
);
area_screen!(
    MessagesScreen,
    comms::__preload_page,
    for_permission(Permission::CorrespondenceRead, || deferred(comms::page(
        CommsScreen::Messages
    )))
);
area_screen!(
    ConversationScreen,
    comms::__preload_page,
    for_permission(Permission::CorrespondenceRead, || deferred(comms::page(
        CommsScreen::Conversation
    )))
);
area_screen!(
    CalendarScreen,
    scheduling::__preload_page,
    for_permission(Permission::ScheduleRead, || deferred(scheduling::page(
        SchedulingPage::Calendar
    )))
);
area_screen!(
    AvailabilityScreen,
    scheduling::__preload_page,
    for_permission(Permission::ScheduleWrite, || deferred(scheduling::page(
        SchedulingPage::Availability
    )))
);
area_screen!(
    TeamScreen,
    scheduling::__preload_page,
    for_permission(Permission::ScheduleRead, || deferred(scheduling::page(
        SchedulingPage::Team
    )))
);
area_screen!(
    AppointmentTypesScreen,
    scheduling::__preload_page,
    for_permission(Permission::ScheduleManage, || deferred(scheduling::page(
        SchedulingPage::AppointmentTypes
    )))
);
area_screen!(
    SchedulingSettingsScreen,
    scheduling::__preload_page,
    for_permission(Permission::ScheduleManage, || deferred(scheduling::page(
        SchedulingPage::Settings
    )))
);
area_screen!(
    StaffScreen,
    admin::__preload_page,
    for_permission(Permission::UsersManage, || deferred(admin::page(
        AdminPage::Staff
    )))
);
area_screen!(
    ApiKeysScreen,
    admin::__preload_page,
    for_permission(Permission::ApiKeysManage, || deferred(admin::page(
        AdminPage::ApiKeys
    )))
);
area_screen!(
    AuditScreen,
    admin::__preload_page,
    for_permission(Permission::AuditRead, || deferred(admin::page(
        AdminPage::Audit
    )))
);
area_screen!(
    OutboxScreen,
    admin::__preload_page,
    for_permission(Permission::OutboxRead, || deferred(admin::page(
        AdminPage::Outbox
    )))
);
area_screen!(
    DataRequestsScreen,
    admin::__preload_page,
    for_permission(Permission::PatientsWrite, || deferred(admin::page(
        AdminPage::DataRequests
    )))
);
area_screen!(
    SettingsScreen,
    admin::__preload_page,
    for_permission(Permission::SettingsManage, || deferred(admin::page(
        AdminPage::Settings
    )))
);
area_screen!(
    IntegrationsScreen,
    admin::__preload_page,
    for_permission(Permission::SettingsManage, || deferred(admin::page(
        AdminPage::Integrations
    )))
);
area_screen!(
    JobsScreen,
    admin::__preload_page,
    for_permission(Permission::SettingsManage, || deferred(admin::page(
        AdminPage::Jobs
    )))
);
area_screen!(
    WebhooksScreen,
    admin::__preload_page,
    for_permission(Permission::OutboxRead, || deferred(admin::page(
        AdminPage::Webhooks
    )))
);
area_screen!(
    MyMessagesScreen,
    preload = portal::preload(PortalPage::Messages),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Messages)))
);
area_screen!(
    MyConversationScreen,
    preload = portal::preload(PortalPage::Conversation),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Conversation)))
);
area_screen!(
    MyDetailsScreen,
    preload = portal::preload(PortalPage::Details),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Details)))
);
area_screen!(
    MyAppointmentsScreen,
    preload = portal::preload(PortalPage::Appointments),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Appointments)))
);
area_screen!(
    MyHealthScreen,
    preload = portal::preload(PortalPage::Health),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Health)))
);
area_screen!(
    MyPrivacyScreen,
    preload = portal::preload(PortalPage::Privacy),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Privacy)))
);
area_screen!(
    MyMedicationsScreen,
    preload = portal::preload(PortalPage::Medications),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Medications)))
);
area_screen!(
    MyHomeworkScreen,
    preload = portal::preload(PortalPage::Homework),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Homework)))
);
area_screen!(
    MyRecordsScreen,
    preload = portal::preload(PortalPage::Records),
    for_roles(PATIENT, || deferred(portal::page(PortalPage::Records)))
);
area_screen!(
    MyQuestionnairesScreen,
    preload = portal::preload(PortalPage::Questionnaires),
    for_roles(PATIENT, || deferred(portal::page(
        PortalPage::Questionnaires
    )))
);
