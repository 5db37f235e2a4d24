using System.Globalization;

namespace FastChat.Client.Internal.Cli;

/// <summary>
/// Scripted mode: send each input line as a message, wait until the server echoed every one
/// back as <c>MSG</c> from our own id (or refused it with <c>ERR</c>), then <c>/quit</c> and exit.
/// The server handles a client's lines in order, so counting echoes is exact.
/// </summary>
internal sealed class ScriptedSession(ClientApp app, ChatClient client)
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _allAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _sent;
    private int _echoed;
    private int _refused;
    private bool _inputDone;

    public async Task<int> RunAsync(IAsyncEnumerable<string> lines, CancellationToken stop)
    {
        Task pump = app.PumpAsync(client, OnEvent);

        // Send nothing before WELCOME: a FULL server would drop it, and our id is needed to spot echoes.
        await Task.WhenAny(app.Welcomed, pump);
        if (pump.IsCompleted || client.Id is null)
        {
            return await app.FinishAsync(client, pump, quit: false);
        }

        Task feeding = FeedAsync(lines, stop);
        Task first = await Task.WhenAny(feeding, pump);
        if (first == pump)
        {
            // The connection ended while input was still coming: report how.
            return await app.FinishAsync(client, pump, quit: false);
        }

        bool interrupted = feeding.IsCanceled;
        if (!interrupted && !feeding.IsCompletedSuccessfully)
        {
            // Sending failed: the connection is gone; the pump tells how it ended.
            return await app.FinishAsync(client, pump, quit: false);
        }

        if (!interrupted)
        {
            try
            {
                await Task.WhenAny(_allAnswered.Task, pump).WaitAsync(stop);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C while waiting for echoes: leave now.
            }
        }

        int refused;
        int sent;
        lock (_lock)
        {
            refused = _refused;
            sent = _sent;
        }

        return refused == 0
            ? await app.FinishAsync(client, pump, quit: true)
            : await app.FinishAsync(client, pump, quit: true, ExitCodes.MessagesRefused,
                string.Create(CultureInfo.InvariantCulture, $"The server refused {refused} of {sent} messages."));
    }

    private async Task FeedAsync(IAsyncEnumerable<string> lines, CancellationToken stop)
    {
        try
        {
            await foreach (string line in lines.WithCancellation(stop))
            {
                // Empty lines are ignored by the server (never echoed), so they are not sent.
                if (line.Length == 0)
                {
                    continue;
                }

                lock (_lock)
                {
                    _sent++; // counted before sending: the echo may come back before SendAsync returns
                }

                await client.SendAsync(line, stop);
            }
        }
        finally
        {
            lock (_lock)
            {
                _inputDone = true;
                CheckLocked();
            }
        }
    }

    private void OnEvent(ChatEvent e)
    {
        lock (_lock)
        {
            switch (e)
            {
                case MessageEvent { IsSelf: true }:
                    _echoed++;
                    break;
                case ErrorEvent:
                    // Only chat lines are sent here, so an ERR answers one of them (line-too-long).
                    _refused++;
                    break;
                default:
                    return;
            }

            CheckLocked();
        }
    }

    private void CheckLocked()
    {
        if (_inputDone && _echoed + _refused >= _sent)
        {
            _allAnswered.TrySetResult();
        }
    }
}
