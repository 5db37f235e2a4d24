using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios.Phases;

/// <summary>What every phase of a run works with: the shared options, the server and its process (if sampled), the report and the progress view.</summary>
internal sealed record ScenarioContext(CommonOptions Common, IPEndPoint Server, int? ServerPid, RunReport Report, IProgressView Progress);
