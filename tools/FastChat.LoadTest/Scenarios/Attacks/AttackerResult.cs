namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>How the server answered one attacking connection.</summary>
/// <param name="Answer">What the attacker saw last: <c>BYE flood</c>, <c>FULL 10 per-address</c>, <c>admitted</c>, <c>no answer</c> ...</param>
/// <param name="Seconds">From the start of its attack to the answer; NaN when there was none.</param>
/// <param name="AsDocumented">Whether the answer is the one docs/PROTOCOL.md section 11 gives.</param>
internal sealed record AttackerResult(string Answer, double Seconds, bool AsDocumented, string? Detail = null);
