//! Readings as CSV, read a page at a time in key order, so that a year of minute-level heart
//! rate streams to the client instead of being built in memory.

use std::collections::HashMap;

use api_types::health::Metric;
use chrono::{DateTime, Utc};
use entity::health::{observation, observation_source};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use api_types::sharing::RecordCategory;

use crate::auth::{require, Principal};
use crate::platform::csv;
use crate::platform::export::Archive;
use crate::platform::ApiResult;
use crate::platform::PatientId;
use crate::AppState;

/// Readings per page.
const PAGE: u64 = 5_000;

pub const HEADER: &str = "metric,loinc,value,unit,effective_at,source,vendor,device_id,model\n";

/// The CSV of a patient's readings (one metric or all, in a range), page by page.
pub struct CsvPages {
    patient_id: Uuid,
    metric: Option<i16>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    sources: HashMap<Uuid, observation_source::Model>,
    /// The key of the last reading written: the next page starts after it.
    after: Option<(i16, DateTime<Utc>, Uuid)>,
    done: bool,
}

impl CsvPages {
    pub async fn new(
        db: &impl ConnectionTrait,
        patient_id: Uuid,
        metric: Option<&Metric>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> ApiResult<CsvPages> {
        let sources = observation_source::Entity::find()
            .filter(observation_source::Column::PatientId.eq(patient_id))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        Ok(CsvPages {
            patient_id,
            metric: metric.map(|m| m.id),
            from,
            to,
            sources,
            after: None,
            done: false,
        })
    }

    /// The next page of lines, or `None` when every reading was written.
    pub async fn next(&mut self, db: &impl ConnectionTrait) -> ApiResult<Option<String>> {
        if self.done {
            return Ok(None);
        }
        let mut find =
            observation::Entity::find().filter(observation::Column::PatientId.eq(self.patient_id));
        if let Some(m) = self.metric {
            find = find.filter(observation::Column::Metric.eq(m));
        }
        if let Some(f) = self.from {
            find = find.filter(observation::Column::EffectiveAt.gte(f));
        }
        if let Some(t) = self.to {
            find = find.filter(observation::Column::EffectiveAt.lt(t));
        }
        if let Some((m, at, source)) = self.after {
            find = find.filter(
                Condition::any()
                    .add(observation::Column::Metric.gt(m))
                    .add(
                        Condition::all()
                            .add(observation::Column::Metric.eq(m))
                            .add(observation::Column::EffectiveAt.gt(at)),
                    )
                    .add(
                        Condition::all()
                            .add(observation::Column::Metric.eq(m))
                            .add(observation::Column::EffectiveAt.eq(at))
                            .add(observation::Column::SourceId.gt(source)),
                    ),
            );
        }
        let rows = find
            .order_by_asc(observation::Column::Metric)
            .order_by_asc(observation::Column::EffectiveAt)
            .order_by_asc(observation::Column::SourceId)
            .limit(PAGE)
            .all(db)
            .await?;
        if (rows.len() as u64) < PAGE {
            self.done = true;
        }
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = Some((last.metric, last.effective_at, last.source_id));
        let mut out = String::with_capacity(rows.len() * 80);
        for r in &rows {
            let Some(m) = Metric::by_id(r.metric) else {
                continue;
            };
            let s = self.sources.get(&r.source_id);
            let text = |v: Option<&String>| v.map(|x| csv::field(x)).unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{}\n",
                m.code,
                m.loinc.unwrap_or_default(),
                r.value,
                csv::field(m.unit),
                r.effective_at.to_rfc3339(),
                if s.is_some_and(|s| s.kind == 0) {
                    "manual"
                } else {
                    "device"
                },
                text(s.and_then(|s| s.vendor.as_ref())),
                text(s.and_then(|s| s.device_id.as_ref())),
                text(s.and_then(|s| s.model.as_ref())),
            ));
        }
        Ok(Some(out))
    }
}

/// Health's part of a patient's export: every reading, as `observations.csv`, if the exporter may
/// read the patient's health data (the check the readings' own API makes).
pub async fn export_patient(
    state: &AppState,
    principal: &Principal,
    patient_id: PatientId,
    archive: &mut Archive,
) -> ApiResult<()> {
    let allowed = match principal.ensure::<require::ClinicalAccessOrOwn>() {
        Ok(()) => {
            crate::patients::open_record(state, principal, patient_id, RecordCategory::Health).await
        }
        Err(e) => Err(e),
    };
    match allowed {
        Ok(_) => {}
        Err(e) if e.is_refusal() => {
            archive.withhold("observations");
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    let mut pages = CsvPages::new(&state.db, patient_id.0, None, None, None).await?;
    archive.start_file("observations.csv").await?;
    archive.write(HEADER.as_bytes()).await?;
    while let Some(page) = pages.next(&state.db).await? {
        archive.write(page.as_bytes()).await?;
    }
    Ok(())
}
