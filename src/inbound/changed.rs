//! *All still on track* (`ask:changed`) and answers given ahead of a cycle, the same on every
//! platform: the domain (`rhythm::checkin`, `rhythm::ahead`) checks and records; the adapter
//! shows the prompt as it stands in place of the one clicked, or the refusal privately.

use super::{Ctx, FOREIGN_BUTTON, FormFields, Reply};
use crate::domain::Status;
use crate::rhythm::ahead::{self, Target};
use crate::rhythm::checkin::{self, Answer, CheckinError, FormInput};
use crate::rhythm::prompt::{ACTION_PREFIX, ACTION_UPDATE, parse_action_value};
use crate::store::StoreError;

impl Ctx<'_> {
    /// *All still on track*: the value names the cycle and whose prompt it is.
    pub(super) async fn unchanged_click(&self, value: &str) -> Result<Reply, StoreError> {
        let Some((cycle_id, owner_id)) = parse_action_value(value) else {
            return Ok(Reply::Refused(FOREIGN_BUTTON.into()));
        };
        let (ws, person) = self.who().await?;
        let store = &self.state.store;
        match checkin::record_unchanged(store, ws, &person, cycle_id, owner_id, self.now).await {
            Ok((cycle, _)) => Ok(Reply::Recorded(
                checkin::current_prompt(store, ws, &cycle, &person, self.now, false).await?,
            )),
            Err(CheckinError::Store(e)) => Err(e),
            Err(refused) => Ok(Reply::Refused(refused.refusal())),
        }
    }

    /// A button of a coming cycle's prompt: a status, or "Update…" (its form).
    pub(super) async fn ahead_click(&self, action: &str, t: Target) -> Result<Reply, StoreError> {
        if action == ACTION_UPDATE {
            let (ws, person) = self.who().await?;
            return Ok(
                match ahead::check(&self.state.store, ws, &person, t, self.now).await {
                    Ok((p, _)) => Reply::OpenForm(Box::new(p)),
                    Err(CheckinError::Store(e)) => return Err(e),
                    Err(refused) => Reply::Refused(refused.refusal()),
                },
            );
        }
        let Some(status) = action
            .strip_prefix(ACTION_PREFIX)
            .and_then(|s| s.parse::<Status>().ok())
        else {
            return Ok(Reply::Refused(FOREIGN_BUTTON.into()));
        };
        self.record_ahead(t, Answer::Status(status)).await
    }

    /// The form of a coming cycle's priority, submitted.
    pub(super) async fn ahead_form(
        &self,
        t: Target,
        fields: &FormFields,
    ) -> Result<Reply, StoreError> {
        match checkin::read_form(FormInput {
            status: fields.status.as_deref(),
            progress: fields.progress.as_deref(),
            note: fields.note.as_deref(),
            blocker: fields.blocker.as_deref(),
        }) {
            Ok(answer) => self.record_ahead(t, answer).await,
            Err(problems) => Ok(Reply::Problems(
                problems
                    .into_iter()
                    .map(|(field, why)| (field, why.to_string()))
                    .collect(),
            )),
        }
    }

    async fn record_ahead(&self, t: Target, answer: Answer) -> Result<Reply, StoreError> {
        let (ws, person) = self.who().await?;
        match ahead::record(&self.state.store, ws, &person, t, &answer, self.now).await {
            Ok(prompt) => Ok(Reply::Recorded(prompt)),
            Err(CheckinError::Store(e)) => Err(e),
            Err(refused) => Ok(Reply::Refused(refused.refusal())),
        }
    }
}
