//! A scripted in-memory [`Stacks`] for unit tests: each stack plays a list of statuses and
//! events, one step per poll (a `DescribeStackEvents` for its first page). As CloudFormation
//! does, each change of the stack's own status writes an event about the stack (logical id =
//! the stack name, type `AWS::CloudFormation::Stack`): a step's events for logical id `stack`
//! are named so, and a step that changes the status without one gets one (unless
//! `without_stack_event`).

use std::{collections::BTreeMap, sync::Mutex};

use crate::deploy::*;

/// One poll's worth of change: the events it adds and the status it leaves.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) events: Vec<StackEvent>,
    pub(crate) status: &'static str,
    pub(crate) reason: Option<&'static str>,
    /// The status changes without an event about the stack (a lost event).
    pub(crate) without_stack_event: bool,
}

#[derive(Debug, Default)]
pub(crate) struct FakeStack {
    pub(crate) state: StackState,
    /// Newest first, like the API.
    pub(crate) events: Vec<StackEvent>,
    pub(crate) script: Vec<Step>,
}

#[derive(Debug, Default)]
pub(crate) struct FakeStacks {
    pub(crate) stacks: Mutex<BTreeMap<String, FakeStack>>,
    pub(crate) summary: TemplateSummary,
    /// What the next creates or updates play, in order.
    pub(crate) scripts: Mutex<std::collections::VecDeque<Vec<Step>>>,
    pub(crate) outputs_after: BTreeMap<String, String>,
    pub(crate) requests: Mutex<Vec<(&'static str, StackRequest)>>,
    /// Every describe call, in order: `DescribeStacks` or `DescribeStackEvents`.
    pub(crate) describe_calls: Mutex<Vec<&'static str>>,
    pub(crate) deleted: Mutex<Vec<String>>,
    pub(crate) page_size: usize,
}

pub(crate) fn event(id: usize, logical_id: &str, status: &str, reason: Option<&str>) -> StackEvent {
    StackEvent {
        event_id: format!("e{id}"),
        logical_id: logical_id.to_owned(),
        physical_id: None,
        resource_type: if logical_id == "stack" {
            "AWS::CloudFormation::Stack".into()
        } else {
            "AWS::IAM::Role".into()
        },
        status: status.to_owned(),
        reason: reason.map(str::to_owned),
        timestamp: format!("2026-11-23T10:00:{:02}Z", id % 60),
    }
}

impl FakeStacks {
    pub(crate) fn new(resource_count: usize, parameters: &[(&str, Option<&str>)]) -> Self {
        Self {
            summary: TemplateSummary {
                parameters: parameters
                    .iter()
                    .map(|(k, d)| ((*k).to_owned(), d.map(str::to_owned)))
                    .collect(),
                resource_count,
            },
            page_size: 100,
            ..Self::default()
        }
    }

    pub(crate) fn with_stack(
        self,
        name: &str,
        status: &str,
        parameters: &[(&str, &str)],
        old_events: usize,
    ) -> Self {
        let stack = FakeStack {
            state: StackState {
                stack_id: format!("arn:stack/{name}"),
                status: status.to_owned(),
                status_reason: None,
                parameters: parameters
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                outputs: BTreeMap::from([("Old".into(), "output".into())]),
            },
            events: (0..old_events)
                .rev()
                .map(|i| event(1000 + i, "Old", "CREATE_COMPLETE", None))
                .collect(),
            script: Vec::new(),
        };
        self.stacks.lock().unwrap().insert(name.to_owned(), stack);
        self
    }

    /// The next create or update plays `script`.
    pub(crate) fn playing(self, script: Vec<Step>) -> Self {
        self.scripts.lock().unwrap().push_back(script);
        self
    }

    fn find<'a>(
        stacks: &'a mut BTreeMap<String, FakeStack>,
        name_or_id: &str,
    ) -> Option<&'a mut FakeStack> {
        let key = stacks
            .iter()
            .find(|(name, s)| *name == name_or_id || s.state.stack_id == name_or_id)
            .map(|(name, _)| name.clone())?;
        stacks.get_mut(&key)
    }

    fn start(&self, operation: &'static str, request: &StackRequest) -> String {
        self.requests
            .lock()
            .unwrap()
            .push((operation, request.clone()));
        let mut stacks = self.stacks.lock().unwrap();
        let stack = stacks.entry(request.stack_name.clone()).or_default();
        stack.state.stack_id = format!("arn:stack/{}", request.stack_name);
        stack.state.status = format!("{}_IN_PROGRESS", operation.to_uppercase());
        stack.script = self.scripts.lock().unwrap().pop_front().unwrap_or_default();
        stack.state.stack_id.clone()
    }

    /// Plays the next step of `stack`'s script, if any.
    fn advance(&self, name: &str, stack: &mut FakeStack) {
        if stack.script.is_empty() {
            return;
        }
        let step = stack.script.remove(0);
        let mut wrote_stack_event = false;
        for mut event in step.events {
            if event.is_stack() && event.logical_id == "stack" {
                event.logical_id = name.to_owned();
                wrote_stack_event = true;
            }
            stack.events.insert(0, event);
        }
        if step.status != stack.state.status && !wrote_stack_event && !step.without_stack_event {
            let id = stack.events.len();
            let mut status_event = event(id, name, step.status, step.reason);
            status_event.event_id = format!("{name}-{id}");
            status_event.resource_type = "AWS::CloudFormation::Stack".into();
            stack.events.insert(0, status_event);
        }
        stack.state.status = step.status.to_owned();
        stack.state.status_reason = step.reason.map(str::to_owned);
        if step.status.ends_with("_COMPLETE") {
            stack.state.outputs = self.outputs_after.clone();
        }
    }
}

impl Stacks for FakeStacks {
    async fn describe_stack(&self, name: &str) -> Result<Option<StackState>, StackApiError> {
        self.describe_calls.lock().unwrap().push("DescribeStacks");
        let mut stacks = self.stacks.lock().unwrap();
        Ok(Self::find(&mut stacks, name).map(|stack| stack.state.clone()))
    }

    async fn template_summary(&self, _url: &str) -> Result<TemplateSummary, StackApiError> {
        Ok(self.summary.clone())
    }

    async fn create_stack(&self, request: &StackRequest) -> Result<String, StackApiError> {
        Ok(self.start("create", request))
    }

    async fn update_stack(&self, request: &StackRequest) -> Result<UpdateStarted, StackApiError> {
        if self.scripts.lock().unwrap().is_empty() {
            self.requests
                .lock()
                .unwrap()
                .push(("update", request.clone()));
            return Ok(UpdateStarted::NoChanges);
        }
        self.start("update", request);
        Ok(UpdateStarted::Started)
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), StackApiError> {
        let mut stacks = self.stacks.lock().unwrap();
        let name = Self::find(&mut stacks, stack).map(|s| s.state.stack_id.clone());
        if let Some(id) = name {
            stacks.retain(|_, s| s.state.stack_id != id);
            self.deleted.lock().unwrap().push(id);
        }
        Ok(())
    }

    async fn stack_events(
        &self,
        stack: &str,
        next_token: Option<String>,
    ) -> Result<EventPage, StackApiError> {
        self.describe_calls
            .lock()
            .unwrap()
            .push("DescribeStackEvents");
        let mut stacks = self.stacks.lock().unwrap();
        let Some((name, stack)) = stacks
            .iter_mut()
            .find(|(name, s)| *name == stack || s.state.stack_id == stack)
        else {
            return Ok(EventPage::default());
        };
        if next_token.is_none() {
            self.advance(&name.clone(), stack);
        }
        let start: usize = next_token.map_or(0, |t| t.parse().unwrap());
        let end = (start + self.page_size).min(stack.events.len());
        Ok(EventPage {
            events: stack.events[start..end].to_vec(),
            next_token: (end < stack.events.len()).then(|| end.to_string()),
        })
    }
}
