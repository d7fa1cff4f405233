//! The company's field-work settings, set by an admin in one place: check-in
//! radius and accuracy, when a customer counts as gone quiet, and the
//! pipeline's stages, whether contracts need approval. Every device fetches them with each sync.

use crate::pipeline::Funnel;
use crate::today::TodayRules;
use crate::visit::VisitRules;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkRules {
    pub visits: VisitRules,
    pub today: TodayRules,
    pub funnel: Funnel,
    /// A rep's contract is signed only once a manager or finance approves
    /// it (reps submit it).
    pub contracts_need_approval: bool,
    pub money: MoneyRules,
}

/// How receivables are aged and chased.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct MoneyRules {
    /// Where the aging buckets end, in days past due.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<u32>))]
    pub aging: crate::money::aging::Boundaries,
    /// The dunning levels, in order.
    pub dunning: Vec<crate::money::dunning::Level>,
}

impl Default for MoneyRules {
    fn default() -> MoneyRules {
        MoneyRules {
            aging: Default::default(),
            dunning: crate::money::dunning::default_levels(),
        }
    }
}

impl WorkRules {
    pub fn check(&self) -> Result<(), String> {
        self.visits.check()?;
        self.today.check()?;
        crate::money::dunning::check_levels(&self.money.dunning)?;
        self.funnel.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_missing_parts_default() {
        assert!(WorkRules::default().check().is_ok());
        let partial: WorkRules = serde_json::from_str(r#"{"visits": {"radius_m": 800}}"#).unwrap();
        assert_eq!(partial.visits.radius_m, 800);
        assert_eq!(partial.visits.max_accuracy_m, 100);
        assert_eq!(partial.funnel, Funnel::default());
    }
}
