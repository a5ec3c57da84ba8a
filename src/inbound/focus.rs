//! The focus question's buttons and form, the same on every platform: the level buttons record
//! at once, *Focus…* opens the form (where a platform asks for it), and the form records the
//! level with what took the rest. The prompt as it stands then replaces the one clicked.

use super::{Ctx, Reply};
use crate::domain::focus::FocusLevel;
use crate::rhythm::checkin;
use crate::rhythm::focus::{self, ACTION_ANSWERED, ACTION_FORM, FocusError};
use crate::store::StoreError;

const NOT_OURS: &str = "That button is not one of pacer's focus questions. Nothing was recorded.";

impl Ctx<'_> {
    pub(super) async fn focus_click(&self, action: &str, value: &str) -> Result<Reply, StoreError> {
        let Some(cycle_id) = focus::parse_value(value) else {
            return Ok(Reply::Refused(NOT_OURS.into()));
        };
        if action == ACTION_FORM {
            return Ok(Reply::Form(Box::new(focus::form(value))));
        }
        let Some(level) = focus::level_of_action(action) else {
            return Ok(Reply::Refused(NOT_OURS.into()));
        };
        self.record_focus(cycle_id, level, None).await
    }

    pub(super) async fn focus_submit(
        &self,
        action: &str,
        value: &str,
        fields: &[(String, String)],
    ) -> Result<Reply, StoreError> {
        let (Some(cycle_id), true) = (focus::parse_value(value), action == ACTION_ANSWERED) else {
            return Ok(Reply::Refused(NOT_OURS.into()));
        };
        match focus::read_form(fields) {
            Ok((level, rest)) => self.record_focus(cycle_id, level, rest.as_deref()).await,
            Err(problems) => Ok(Reply::Problems(problems)),
        }
    }

    async fn record_focus(
        &self,
        cycle_id: i64,
        level: FocusLevel,
        rest: Option<&str>,
    ) -> Result<Reply, StoreError> {
        let (ws, person) = self.who().await?;
        let store = &self.state.store;
        match focus::record(store, ws, &person, cycle_id, (level, rest), self.now).await {
            Ok(cycle) => {
                let prompt =
                    checkin::current_prompt(store, ws, &cycle, &person, self.now, false).await?;
                Ok(Reply::Recorded(prompt))
            }
            Err(FocusError::Store(e)) => Err(e),
            Err(refused) => Ok(Reply::Refused(refused.refusal())),
        }
    }
}
