using System.Globalization;
using System.Net;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest;

/// <summary>
/// The list forms of <c>--target</c>, <c>--port</c> and <c>--server-pid</c> (docs/LOADTEST.md, several
/// nodes): comma-separated, one entry per FastChat node; a single entry means what it always did.
/// </summary>
internal static class TargetList
{
    /// <summary>
    /// The servers of <paramref name="targets"/> (<c>fastchat://127.0.0.1:7001,fastchat://127.0.0.1:7002</c>) or, when
    /// it is empty, of <paramref name="host"/> and <paramref name="ports"/> (<c>7001,7002</c>).
    /// </summary>
    /// <exception cref="ArgumentException">An entry does not parse, the schemes are mixed, or a Redis/NATS target is a list.</exception>
    public static (TargetKind Kind, IReadOnlyList<IPEndPoint> EndPoints) Parse(string? targets, string host, string ports)
    {
        if (!string.IsNullOrWhiteSpace(targets))
        {
            string[] urls = Split(targets, "--target");
            var endPoints = new List<IPEndPoint>(urls.Length);
            TargetKind kind = TargetKind.FastChat;
            for (int i = 0; i < urls.Length; i++)
            {
                TargetKind k = CommonOptions.ParseTarget(urls[i], out IPEndPoint? ep);
                if (i > 0 && k != kind)
                {
                    throw new ArgumentException($"--target mixes {Scheme(kind)} and {Scheme(k)}: the servers of one run are all of one kind");
                }

                kind = k;
                endPoints.Add(ep!);
            }

            if (endPoints.Count > 1 && kind != TargetKind.FastChat)
            {
                throw new ArgumentException($"--target lists {endPoints.Count} {Scheme(kind)} servers: only FastChat targets (the nodes of a cluster) take a list");
            }

            return (kind, endPoints);
        }

        IPAddress address = IPAddress.Parse(host);
        return (TargetKind.FastChat, Split(ports, "--port").Select(p => new IPEndPoint(address, Port(p))).ToList());
    }

    /// <summary>The process ids of <c>--server-pid 41,42,43</c> (empty when not given).</summary>
    public static IReadOnlyList<int> ParsePids(string? pids) =>
        string.IsNullOrWhiteSpace(pids) ? [] : Split(pids, "--server-pid").Select(p =>
            int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0
                ? pid
                : throw new ArgumentException($"--server-pid '{p}' is not a process id")).ToList();

    private static string[] Split(string list, string option)
    {
        string[] parts = list.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Any(p => p.Length == 0))
        {
            throw new ArgumentException($"{option} '{list}' has an empty entry (a list is comma-separated, with no empty item)");
        }

        return parts;
    }

    private static int Port(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535
            ? port
            : throw new ArgumentException($"--port '{text}' is not a port (1-65535)");

    private static string Scheme(TargetKind kind) => kind switch
    {
        TargetKind.Redis => "redis://",
        TargetKind.Nats => "nats://",
        _ => "fastchat://",
    };
}
