//! The sidebar's navigation: what each role may use, from the shared permission table.

use api_types::auth::Me;
use api_types::Permission;

/// An icon drawn from one SVG path (24×24 viewBox, stroked).
#[derive(Debug, Clone, Copy)]
pub struct Icon(pub &'static str);

pub const ICON_MENU: Icon = Icon("M3 6h18M3 12h18M3 18h18");
pub const ICON_HOME: Icon = Icon("M3 11l9-8 9 8v10a1 1 0 0 1-1 1h-5v-7H9v7H4a1 1 0 0 1-1-1z");
pub const ICON_PATIENTS: Icon = Icon(
    "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM22 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8",
);
pub const ICON_STAFF: Icon =
    Icon("M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z");
pub const ICON_KEY: Icon = Icon(
    "M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0l3 3L22 7l-3-3m-3.5 3.5L19 4",
);
pub const ICON_AUDIT: Icon =
    Icon("M9 11l3 3L22 4M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11");
pub const ICON_MAIL: Icon =
    Icon("M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm18 2l-10 7L2 6");
pub const ICON_SETTINGS: Icon = Icon(
    "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z",
);
pub const ICON_HEART: Icon = Icon(
    "M20.8 4.6a5.5 5.5 0 0 0-7.8 0L12 5.7l-1-1.1a5.5 5.5 0 0 0-7.8 7.8l1 1.1L12 21l7.8-7.5 1-1.1a5.5 5.5 0 0 0 0-7.8z",
);
pub const ICON_CALENDAR: Icon = Icon(
    "M8 2v4M16 2v4M3 10h18M5 4h14a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
);
pub const ICON_CLOCK: Icon = Icon("M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2");
pub const ICON_LIST: Icon = Icon("M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01");
pub const ICON_PILL: Icon =
    Icon("M10.5 20.5a4.95 4.95 0 0 1-7-7l10-10a4.95 4.95 0 0 1 7 7zM8.5 8.5l7 7");
pub const ICON_FILE: Icon =
    Icon("M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6M8 13h8M8 17h8");
pub const ICON_PLUG: Icon = Icon("M9 2v6M15 2v6M6 8h12v4a6 6 0 0 1-12 0zM12 18v4");
pub const ICON_MESSAGE: Icon =
    Icon("M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z");
pub const ICON_ACTIVITY: Icon = Icon("M22 12h-4l-3 9L9 3l-3 9H2");
pub const ICON_USER: Icon = Icon("M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zm-9 10a9 9 0 0 1 18 0");

/// A link in the sidebar.
#[derive(Debug, Clone, Copy)]
pub struct NavItem {
    pub label: &'static str,
    pub href: &'static str,
    pub icon: Icon,
}

/// A titled group of links.
#[derive(Debug, Clone)]
pub struct NavSection {
    pub title: Option<&'static str>,
    pub items: Vec<NavItem>,
}

/// A link shown to whoever holds `needs` (or to everyone, for `None`).
struct Entry {
    needs: Option<Permission>,
    item: NavItem,
}

const fn entry(
    needs: Option<Permission>,
    label: &'static str,
    href: &'static str,
    icon: Icon,
) -> Entry {
    Entry {
        needs,
        item: NavItem { label, href, icon },
    }
}

/// Where staff and patients read their conversations; the sidebar counts unread ones there.
pub const MESSAGES_PATH: &str = "/messages";
pub const PORTAL_MESSAGES_PATH: &str = "/portal/messages";

pub const ICON_INBOX: Icon = Icon(
    "M22 12h-6l-2 3h-4l-2-3H2M5.5 5.1L2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.5-6.9A2 2 0 0 0 16.8 4H7.2a2 2 0 0 0-1.7 1.1z",
);

const STAFF_MAIN: [Entry; 6] = [
    entry(None, "Dashboard", "/", ICON_HOME),
    entry(
        Some(Permission::ScheduleRead),
        "Calendar",
        "/calendar",
        ICON_CALENDAR,
    ),
    entry(
        Some(Permission::PatientsRead),
        "Patients",
        "/patients",
        ICON_PATIENTS,
    ),
    entry(
        Some(Permission::CorrespondenceRead),
        "Messages",
        MESSAGES_PATH,
        ICON_INBOX,
    ),
    entry(
        Some(Permission::CorrespondenceRead),
        "Communications",
        "/communications",
        ICON_MESSAGE,
    ),
    entry(
        Some(Permission::ScheduleRead),
        "Team availability",
        "/schedule/team",
        ICON_CLOCK,
    ),
];

/// Clinicians set their own hours; managers anyone's.
const CLINICIAN: [Entry; 1] = [entry(
    Some(Permission::ScheduleWrite),
    "My availability",
    "/schedule/availability",
    ICON_CLOCK,
)];

const STAFF_ADMIN: [Entry; 12] = [
    entry(
        Some(Permission::ScheduleManage),
        "Appointment types",
        "/admin/appointment-types",
        ICON_LIST,
    ),
    entry(
        Some(Permission::ScheduleManage),
        "Availability",
        "/schedule/availability",
        ICON_CLOCK,
    ),
    entry(
        Some(Permission::UsersManage),
        "Staff",
        "/admin/users",
        ICON_STAFF,
    ),
    entry(
        Some(Permission::ApiKeysManage),
        "API keys",
        "/admin/api-keys",
        ICON_KEY,
    ),
    entry(
        Some(Permission::AuditRead),
        "Audit log",
        "/admin/audit",
        ICON_AUDIT,
    ),
    entry(
        Some(Permission::OutboxRead),
        "Outbox",
        "/admin/outbox",
        ICON_MAIL,
    ),
    entry(
        Some(Permission::ScheduleManage),
        "Scheduling",
        "/admin/scheduling",
        ICON_CALENDAR,
    ),
    entry(
        Some(Permission::SettingsManage),
        "Practice settings",
        "/admin/settings",
        ICON_SETTINGS,
    ),
    entry(
        Some(Permission::SettingsManage),
        "Integrations",
        "/admin/integrations",
        ICON_PLUG,
    ),
    entry(
        Some(Permission::SettingsManage),
        "Background jobs",
        "/admin/jobs",
        ICON_CLOCK,
    ),
    entry(
        Some(Permission::OutboxRead),
        "Provider calls",
        "/admin/webhooks",
        ICON_ACTIVITY,
    ),
    entry(
        Some(Permission::PatientsWrite),
        "Data requests",
        "/admin/data-requests",
        ICON_FILE,
    ),
];

const PORTAL: [Entry; 10] = [
    entry(None, "Home", "/", ICON_HOME),
    entry(
        Some(Permission::OwnRecord),
        "Messages",
        PORTAL_MESSAGES_PATH,
        ICON_INBOX,
    ),
    entry(
        Some(Permission::OwnRecord),
        "My appointments",
        "/portal/appointments",
        ICON_CALENDAR,
    ),
    entry(
        Some(Permission::OwnRecord),
        "My health",
        "/portal/health",
        ICON_HEART,
    ),
    entry(
        Some(Permission::OwnRecord),
        "My medications",
        "/portal/medications",
        ICON_PILL,
    ),
    entry(
        Some(Permission::OwnRecord),
        "My records",
        "/portal/records",
        ICON_FILE,
    ),
    entry(
        Some(Permission::OwnRecord),
        "Questionnaires",
        "/portal/questionnaires",
        ICON_LIST,
    ),
    entry(
        Some(Permission::OwnRecord),
        "Homework",
        "/portal/homework",
        ICON_AUDIT,
    ),
    entry(
        Some(Permission::OwnRecord),
        "My details",
        "/portal/details",
        ICON_USER,
    ),
    entry(
        Some(Permission::OwnRecord),
        "Privacy",
        "/portal/privacy",
        ICON_KEY,
    ),
];

fn allowed(me: &Me, entries: &[Entry]) -> Vec<NavItem> {
    entries
        .iter()
        .filter(|e| e.needs.is_none_or(|p| me.role.has(p)))
        .map(|e| e.item)
        .collect()
}

/// The sidebar's sections for this account; empty sections are left out.
pub fn sections(me: &Me) -> Vec<NavSection> {
    let sections = if me.role.is_staff() {
        vec![
            NavSection {
                title: None,
                items: {
                    let mut main = allowed(me, &STAFF_MAIN);
                    if me.role.is_clinician() {
                        main.extend(allowed(me, &CLINICIAN));
                    }
                    main
                },
            },
            NavSection {
                title: Some("Administration"),
                items: allowed(me, &STAFF_ADMIN),
            },
        ]
    } else {
        vec![NavSection {
            title: None,
            items: allowed(me, &PORTAL),
        }]
    };
    sections
        .into_iter()
        .filter(|s| !s.items.is_empty())
        .collect()
}
