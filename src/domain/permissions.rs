//! Who may do what. The adapters never decide this: they hand the domain an [`Actor`] and ask.

use std::collections::HashSet;

/// The person acting, with what the rules need to know about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub person_id: i64,
    pub is_admin: bool,
    /// Teams this person leads.
    pub leads: HashSet<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error(
        "only its owner, a lead of its team or an admin can change {what}; ask @{owner} or a lead of {team}"
    )]
    NotOwnerOrLead {
        what: String,
        owner: String,
        team: String,
    },
    #[error("only a lead of {team} or an admin can change its {what}")]
    NotTeamLead { team: String, what: &'static str },
    #[error("only a lead of {team}{raised_to}, or an admin, can decide on {what}")]
    NotDecider {
        what: String,
        team: String,
        /// ` or of <parent>` when it is raised there.
        raised_to: String,
    },
    #[error("only an admin can {what}")]
    AdminOnly { what: &'static str },
    #[error(
        "only a lead of {team}{parent}, or an admin, can mark {team}'s digest seen or discuss it"
    )]
    NotDigestReader {
        team: String,
        /// ` or of <parent>` when the team has one.
        parent: String,
    },
}

impl Actor {
    pub fn leads_team(&self, team_id: i64) -> bool {
        self.leads.contains(&team_id)
    }

    /// The contract: the owner, a lead of the priority's team, or an admin.
    pub fn may_change_priority(&self, owner_person_id: i64, team_id: i64) -> bool {
        self.is_admin || self.person_id == owner_person_id || self.leads_team(team_id)
    }

    /// A check-in answer: whoever may change the priority, or the person its team's open cycle
    /// asks about it (someone acting for its away owner).
    pub fn may_answer_checkin(
        &self,
        owner_person_id: i64,
        team_id: i64,
        asked_person_id: Option<i64>,
    ) -> bool {
        self.may_change_priority(owner_person_id, team_id)
            || asked_person_id == Some(self.person_id)
    }

    /// The contract: only leads of the team or admins change a team's rhythm, leads or members.
    pub fn may_manage_team(&self, team_id: i64) -> bool {
        self.is_admin || self.leads_team(team_id)
    }

    /// The contract: only admins hand data out of the workspace (API tokens, webhooks), since
    /// what they reach is everything in it.
    pub fn may_manage_integrations(&self) -> bool {
        self.is_admin
    }

    /// Raising a priority to the parent team is changing where it stands: the same people as
    /// [`Actor::may_change_priority`].
    pub fn may_raise(&self, owner_person_id: i64, team_id: i64) -> bool {
        self.may_change_priority(owner_person_id, team_id)
    }

    /// Deciding is a lead's call: leads of the priority's team, leads of the team it is raised
    /// to (who own the raised item), or admins. Its owner alone may not decide for the team.
    pub fn may_decide(&self, team_id: i64, raised_to: Option<i64>) -> bool {
        self.is_admin || self.leads_team(team_id) || raised_to.is_some_and(|t| self.leads_team(t))
    }

    /// A team's digest is acknowledged (Seen, or Discuss with the parent team) by the people it
    /// is written for: leads of the team, leads of its parent team, or admins.
    pub fn may_acknowledge_digest(&self, team_id: i64, parent_id: Option<i64>) -> bool {
        self.is_admin || self.leads_team(team_id) || parent_id.is_some_and(|p| self.leads_team(p))
    }

    /// Moving a priority into another team also needs a say in the team it lands in, unless the
    /// person moving it is its owner (owners may file their own work anywhere).
    /// Act on an item of `agenda_team`'s review agenda (put it off, assign it): a lead of that
    /// team, or anyone who may decide on the priority.
    pub fn may_steer_agenda(&self, agenda_team: i64, team_id: i64, raised_to: Option<i64>) -> bool {
        self.leads_team(agenda_team) || self.may_decide(team_id, raised_to)
    }

    pub fn may_move_priority_to(&self, owner_person_id: i64, new_team_id: i64) -> bool {
        self.is_admin || self.person_id == owner_person_id || self.leads_team(new_team_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(person_id: i64, is_admin: bool, leads: &[i64]) -> Actor {
        Actor {
            person_id,
            is_admin,
            leads: leads.iter().copied().collect(),
        }
    }

    #[test]
    fn owner_lead_and_admin_may_change_a_priority_others_may_not() {
        let (owner, team) = (1, 10);
        assert!(actor(1, false, &[]).may_change_priority(owner, team));
        assert!(actor(2, false, &[10]).may_change_priority(owner, team));
        assert!(actor(3, true, &[]).may_change_priority(owner, team));
        assert!(!actor(4, false, &[11]).may_change_priority(owner, team));
    }

    #[test]
    fn the_person_a_cycle_asks_may_answer_for_an_away_owner() {
        let (owner, team) = (1, 10);
        // Ben (5) acts for Ana (1) and is asked: he may answer.
        assert!(actor(5, false, &[]).may_answer_checkin(owner, team, Some(5)));
        // Not asked (no open cycle, or someone else is asked): only the usual people.
        assert!(!actor(5, false, &[]).may_answer_checkin(owner, team, None));
        assert!(!actor(5, false, &[]).may_answer_checkin(owner, team, Some(6)));
        assert!(actor(1, false, &[]).may_answer_checkin(owner, team, Some(5)));
        assert!(actor(2, false, &[10]).may_answer_checkin(owner, team, None));
    }

    #[test]
    fn leads_of_the_team_or_of_the_team_it_is_raised_to_decide() {
        let (team, parent) = (10, 20);
        assert!(actor(2, false, &[10]).may_decide(team, None));
        assert!(actor(2, false, &[20]).may_decide(team, Some(parent)));
        assert!(!actor(2, false, &[20]).may_decide(team, None));
        assert!(actor(3, true, &[]).may_decide(team, None));
        // The owner alone, or a plain member, may not.
        assert!(!actor(1, false, &[]).may_decide(team, Some(parent)));
        assert!(actor(1, false, &[]).may_raise(1, team));
        assert!(!actor(4, false, &[11]).may_raise(1, team));
    }

    #[test]
    fn leads_of_the_team_or_its_parent_and_admins_acknowledge_a_digest() {
        let (team, parent) = (10, 20);
        assert!(actor(2, false, &[10]).may_acknowledge_digest(team, Some(parent)));
        assert!(actor(2, false, &[20]).may_acknowledge_digest(team, Some(parent)));
        assert!(actor(3, true, &[]).may_acknowledge_digest(team, None));
        // A lead elsewhere, a member, or the parent's lead once the team has no parent: no.
        assert!(!actor(4, false, &[11]).may_acknowledge_digest(team, Some(parent)));
        assert!(!actor(5, false, &[]).may_acknowledge_digest(team, Some(parent)));
        assert!(!actor(2, false, &[20]).may_acknowledge_digest(team, None));
    }

    #[test]
    fn only_admins_manage_integrations() {
        assert!(actor(3, true, &[]).may_manage_integrations());
        assert!(!actor(2, false, &[10]).may_manage_integrations());
    }

    #[test]
    fn only_leads_and_admins_manage_a_team() {
        assert!(actor(2, false, &[10]).may_manage_team(10));
        assert!(actor(3, true, &[]).may_manage_team(10));
        assert!(!actor(4, false, &[11]).may_manage_team(10));
    }
}
