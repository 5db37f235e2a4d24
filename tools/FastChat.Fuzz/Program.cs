using FastChat.Fuzz;
using SharpFuzz;

// Out-of-process mode: afl-fuzz talks to a small fork server that runs the target in a child dotnet
// process and starts a fresh one after a fatal crash (stack overflow) or a hang. Outside afl-fuzz it
// runs the target once on stdin, which is how a saved crash is replayed.
Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    FuzzTargets.Run(buffer.ToArray());
});
