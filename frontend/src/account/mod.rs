//! The signed-in person's own account: profile and password, and security (two-step
//! verification, recovery codes, where they are signed in).

mod profile;
mod security;

use leptos::prelude::*;

use profile::ProfilePage;
use security::SecurityPage;

/// A screen of the account area.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountPage {
    Profile,
    Security,
}

/// An account screen; the area's code arrives the first time one is opened.
#[cfg_attr(feature = "split", leptos::lazy(account))]
pub async fn page(page: AccountPage) -> AnyView {
    match page {
        AccountPage::Profile => view! { <ProfilePage /> }.into_any(),
        AccountPage::Security => view! { <SecurityPage /> }.into_any(),
    }
}
