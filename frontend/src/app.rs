//! The router: every screen of the app, and who may see it.

use api_types::{Permission, Role};
use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, MatchNestedRoutes};

use crate::account::{ProfilePage, SecurityPage};
use crate::admin::{
    ApiKeysPage, AuditLogPage, IntegrationsPage, JobsPage, OutboxPage, SettingsPage, StaffPage,
};
use crate::auth::{
    provide_auth, ForgotPasswordPage, InvitationPage, LoginPage, RequirePermission, RequireRole,
    ResetPasswordPage, SignedInGate, SignedOutGate, STAFF,
};
use crate::components::common::{provide_toasts, ToastRegion};
use crate::pages::{Home, NotFound, NotFoundInShell};
use crate::patients::{NewPatientPage, PatientListPage, PatientPage};
use crate::portal::{
    MyAppointmentsPage, MyDetailsPage, MyHealthPage, MyHomeworkPage, MyMedicationsPage,
    MyQuestionnairesPage, MyRecordsPage,
};
use crate::scheduling::{
    AppointmentTypesPage, AvailabilityPage, CalendarPage, SchedulingSettingsPage,
    TeamAvailabilityPage,
};

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
            <Route path=path!("") view=Home />
            <Route path=path!("account/profile") view=ProfilePage />
            <Route path=path!("account/security") view=SecurityPage />
            <Route
                path=path!("patients")
                view=|| view! { <RequirePermission permission=Permission::PatientsRead><PatientListPage /></RequirePermission> }
            />
            <Route
                path=path!("patients/new")
                view=|| view! { <RequirePermission permission=Permission::PatientsWrite><NewPatientPage /></RequirePermission> }
            />
            <Route
                path=path!("patients/:id")
                view=|| view! { <RequireRole roles=STAFF><PatientPage /></RequireRole> }
            />
            <Route
                path=path!("patients/:id/:tab")
                view=|| view! { <RequireRole roles=STAFF><PatientPage /></RequireRole> }
            />
            <Route
                path=path!("calendar")
                view=|| view! { <RequirePermission permission=Permission::ScheduleRead><CalendarPage /></RequirePermission> }
            />
            <Route
                path=path!("schedule/availability")
                view=|| view! { <RequirePermission permission=Permission::ScheduleWrite><AvailabilityPage /></RequirePermission> }
            />
            <Route
                path=path!("schedule/team")
                view=|| view! { <RequirePermission permission=Permission::ScheduleRead><TeamAvailabilityPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/appointment-types")
                view=|| view! { <RequirePermission permission=Permission::ScheduleManage><AppointmentTypesPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/scheduling")
                view=|| view! { <RequirePermission permission=Permission::ScheduleManage><SchedulingSettingsPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/users")
                view=|| view! { <RequirePermission permission=Permission::UsersManage><StaffPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/api-keys")
                view=|| view! { <RequirePermission permission=Permission::ApiKeysManage><ApiKeysPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/audit")
                view=|| view! { <RequirePermission permission=Permission::AuditRead><AuditLogPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/outbox")
                view=|| view! { <RequirePermission permission=Permission::OutboxRead><OutboxPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/data-requests")
                view=|| view! { <RequirePermission permission=Permission::PatientsWrite><crate::sharing::DataRequestsPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/settings")
                view=|| view! { <RequirePermission permission=Permission::SettingsManage><SettingsPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/integrations")
                view=|| view! { <RequirePermission permission=Permission::SettingsManage><IntegrationsPage /></RequirePermission> }
            />
            <Route
                path=path!("admin/jobs")
                view=|| view! { <RequirePermission permission=Permission::SettingsManage><JobsPage /></RequirePermission> }
            />
            <Route
                path=path!("portal/details")
                view=|| view! { <RequireRole roles=&[Role::Patient]><MyDetailsPage /></RequireRole> }
            />
            <Route
                path=path!("portal/appointments")
                view=|| view! { <RequireRole roles=&[Role::Patient]><MyAppointmentsPage /></RequireRole> }
            />
            <Route
                path=path!("portal/health")
                view=|| view! { <RequireRole roles=&[Role::Patient]><MyHealthPage /></RequireRole> }
            />
            <Route
                path=path!("portal/privacy")
                view=|| view! { <RequireRole roles=&[Role::Patient]><crate::sharing::MyPrivacyPage /></RequireRole> }
            />
            <Route
                path=path!("portal/medications")
                view=|| view! { <RequireRole roles=&[Role::Patient]><MyMedicationsPage /></RequireRole> }
            />
            <Route
                path=path!("portal/homework")
                view=|| view! { <RequireRole roles=&[Role::Patient]><MyHomeworkPage /></RequireRole> }
            />
            <Route
                path=path!("portal/records")
                view=|| view! { <RequireRole roles=&[Role::Patient]><MyRecordsPage /></RequireRole> }
            />
            <Route
                path=path!("portal/questionnaires")
                view=|| view! { <RequireRole roles=&[Role::Patient]><MyQuestionnairesPage /></RequireRole> }
            />
            <Route path=path!("*any") view=NotFoundInShell />
        </ParentRoute>
    }
    .into_inner()
}
