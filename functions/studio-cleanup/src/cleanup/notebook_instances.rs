//! Notebook instances: an expired one that is `InService` is stopped (StopNotebookInstance
//! applies only to `InService` ones; stopping keeps its storage, unlike a delete).

use aws_sdk_sagemaker::types::NotebookInstanceStatus;

use super::Run;
use super::evaluation::{Candidate, Evaluation};
use super::listing::Listing;
use super::warnings::Destructive;
use crate::ports::{Account, NotebookInstance, Studio};
use crate::prices;
use crate::report::ResourceType;

impl<S: Studio, A: Account> Run<'_, S, A> {
    pub(super) async fn list_notebook_instances(&self) -> Listing {
        self.list_expirable(
            ResourceType::NotebookInstance,
            "ListNotebookInstances",
            |next| self.account.list_in_service_notebook_instances(next),
            Candidate::NotebookInstance,
        )
        .await
    }

    pub(super) async fn evaluate_notebook_instance(
        &self,
        evaluation: &mut Evaluation,
        notebook: &NotebookInstance,
    ) {
        let in_service = notebook.status == NotebookInstanceStatus::InService;
        let stop = self.account.stop_notebook_instance(&notebook.name);
        // A stopped instance keeps its tags: its warning is removed once it is stopped.
        let destructive = Destructive {
            operation: "StopNotebookInstance",
            clears_after: true,
            hourly_cost: notebook
                .instance_type
                .as_deref()
                .map(|t| prices::hourly_price(&self.config.hourly_prices, Some(t))),
        };
        self.expire_tagged(evaluation, in_service, destructive, stop)
            .await;
    }
}
