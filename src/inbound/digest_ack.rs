//! *Seen* and *Discuss* on a posted digest, the same on every platform: the domain decides who
//! may and records it (`reporting::digest::ack`); the adapter shows the digest as it stands in
//! place of the one clicked, and the parent team's roll-up that lists it is refreshed in the
//! background.

use super::{Ctx, Reply};
use crate::reporting::digest::ack::{self, AckError, Acknowledged};
use crate::store::StoreError;

impl Ctx<'_> {
    pub(super) async fn digest_click(
        &self,
        action: &str,
        value: &str,
    ) -> Result<Reply, StoreError> {
        let Some((kind, cycle_id)) = ack::parse(action, value) else {
            return Ok(Reply::Refused(AckError::Foreign.refusal()));
        };
        let (ws, person) = self.who().await?;
        let store = &self.state.store;
        let actor = store
            .actor(ws, &person, self.sender.configured_admin)
            .await?;
        let clicker = (&actor, &person);
        match ack::acknowledge(store, ws, clicker, kind, cycle_id, self.now).await {
            Ok(done) => {
                self.refresh_rollup(ws, &done);
                Ok(Reply::Recorded(done.message))
            }
            Err(AckError::Store(e)) => Err(e),
            Err(refused) => Ok(Reply::Refused(refused.refusal())),
        }
    }

    /// The parent's posted roll-up says which sub-team digests no lead has seen: say this one
    /// has been, there too.
    fn refresh_rollup(&self, ws: i64, done: &Acknowledged) {
        let Some(messenger) = self.state.messengers.get(self.sender.platform).cloned() else {
            return;
        };
        let store = self.state.store.clone();
        let key = self.sender.tenant.clone();
        let (team, cycle) = (done.team.clone(), done.cycle.clone());
        self.state.tasks.spawn(async move {
            let posted = (&team, &cycle);
            ack::refresh_rollup(&store, messenger.as_ref(), &key, ws, posted).await;
        });
    }
}
