namespace FastChat.Client.Tests.Infrastructure;

/// <summary>Starts the real <c>fastchat-client</c> program.</summary>
internal static class ClientProcess
{
    public static ChildProcess Start(params string[] args) => ChildProcess.Start("fastchat-client.dll", args);

    /// <summary>Runs the client with <paramref name="stdin"/> piped in and closed, like <c>printf ... | fastchat-client</c>.</summary>
    public static async Task<(int ExitCode, ChildProcess Process)> RunAsync(string stdin, params string[] args)
    {
        ChildProcess p = Start(args);
        await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        int code = await p.WaitForExitAsync(Timeouts.ProcessStart);
        return (code, p);
    }
}
