namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>How the server answered one attacking connection.</summary>
/// <param name="Answer">What the attacker saw last: <c>BYE flood</c>, <c>FULL 10 per-address</c>,
/// <c>admitted</c>, <c>closed (eof)</c>, <c>no answer</c> (the tool gave up at the attack timeout) ...</param>
/// <param name="Seconds">From the start of the attack on this connection (its first attacking byte,
/// or its connect) to the server's answer; NaN when there was none.</param>
/// <param name="AsDocumented">Whether the answer is the one docs/PROTOCOL.md section 11 gives.</param>
internal sealed record AttackerResult(string Answer, double Seconds, bool AsDocumented, string? Detail = null);
