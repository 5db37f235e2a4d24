using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios.Phases;

/// <summary>What every phase of a run works with: the shared options, the servers and their processes (if sampled), the report and the progress view.</summary>
internal sealed record ScenarioContext(CommonOptions Common, ServerNodes Servers, RunReport Report, IProgressView Progress);
