using System.Buffers;
using System.Globalization;
using System.Text;

namespace FastChat.Server.Internal.Cluster;

/// <summary>What a node puts into the room's stream (docs/CLUSTER.md "The stream").</summary>
internal enum ClusterEventKind : byte
{
    /// <summary><c>J &lt;member&gt; &lt;max&gt;</c>: a member asks to join a room of at most max members (FULL is decided when it is applied).</summary>
    Join = (byte)'J',

    /// <summary><c>L &lt;member&gt;</c>: a member leaves.</summary>
    Leave = (byte)'L',

    /// <summary><c>M &lt;member&gt; &lt;text&gt;</c>: a chat line (raw client bytes, no LF).</summary>
    Message = (byte)'M',

    /// <summary><c>B &lt;incarnation&gt;</c>: a node incarnation is alive.</summary>
    Beat = (byte)'B',

    /// <summary><c>D &lt;incarnation&gt;</c>: a node incarnation is gone; its members leave.</summary>
    Dead = (byte)'D',
}

/// <summary>One event of a batch: its kind, its subject (a member id or an incarnation) and its text.</summary>
internal readonly ref struct ClusterEvent(ClusterEventKind kind, ReadOnlySpan<byte> subject, ReadOnlySpan<byte> text)
{
    public ClusterEventKind Kind { get; } = kind;

    public ReadOnlySpan<byte> Subject { get; } = subject;

    public ReadOnlySpan<byte> Text { get; } = text;
}

/// <summary>
/// The events a node publishes, a batch per stream message: one event per line,
/// <c>&lt;kind&gt; SP &lt;subject&gt; [SP &lt;text&gt;] LF</c> (text: a MSG's chat line, a JOIN's limit).
/// Chat text is a client line, which never holds an LF; ids never hold a space.
/// </summary>
internal static class ClusterEvents
{
    /// <summary>One event line.</summary>
    public static byte[] Encode(ClusterEventKind kind, ReadOnlySpan<byte> subject, ReadOnlySpan<byte> text = default)
    {
        byte[] line = new byte[2 + subject.Length + (text.IsEmpty && kind != ClusterEventKind.Message ? 0 : 1 + text.Length) + 1];
        line[0] = (byte)kind;
        line[1] = (byte)' ';
        subject.CopyTo(line.AsSpan(2));
        int at = 2 + subject.Length;
        if (kind == ClusterEventKind.Message || !text.IsEmpty)
        {
            line[at++] = (byte)' ';
            text.CopyTo(line.AsSpan(at));
            at += text.Length;
        }

        line[at] = (byte)'\n';
        return line;
    }

    public static byte[] Encode(ClusterEventKind kind, string subject) => Encode(kind, Encoding.ASCII.GetBytes(subject));

    /// <summary>
    /// Reads the next event of a batch; false at the end. A line this version does not know is
    /// skipped, so a newer node's events do not stop an older one.
    /// </summary>
    public static bool TryRead(ref ReadOnlySpan<byte> batch, out ClusterEvent evt)
    {
        while (!batch.IsEmpty)
        {
            int lf = batch.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lf < 0 ? batch : batch[..lf];
            batch = lf < 0 ? default : batch[(lf + 1)..];
            if (line.Length < 3 || line[1] != (byte)' ' || !Enum.IsDefined((ClusterEventKind)line[0]))
            {
                continue;
            }

            var kind = (ClusterEventKind)line[0];
            ReadOnlySpan<byte> rest = line[2..];
            int space = rest.IndexOf((byte)' ');
            if (space == 0 || (space < 0 && kind == ClusterEventKind.Message))
            {
                continue; // no subject, or a MSG without its text
            }

            evt = space < 0 ? new ClusterEvent(kind, rest, default) : new ClusterEvent(kind, rest[..space], rest[(space + 1)..]);
            return true;
        }

        evt = default;
        return false;
    }

    /// <summary>
    /// A snapshot: <c>S &lt;sequence&gt;</c> (the stream sequence it describes), then one line per member
    /// id, then <c>D &lt;incarnation&gt;</c> per incarnation declared dead (their late events are ignored).
    /// </summary>
    public static byte[] EncodeSnapshot(ulong sequence, IEnumerable<byte[]> members, IEnumerable<string> dead)
    {
        var buffer = new ArrayBufferWriter<byte>();
        buffer.Write(Encoding.ASCII.GetBytes($"S {sequence}\n"));
        foreach (byte[] id in members)
        {
            buffer.Write(id);
            buffer.Write("\n"u8);
        }

        foreach (string incarnation in dead)
        {
            buffer.Write(Encoding.ASCII.GetBytes($"D {incarnation}\n"));
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a snapshot; false when it is not one.</summary>
    public static bool TryReadSnapshot(ReadOnlySpan<byte> data, out ulong sequence, out List<byte[]> members, out List<string> dead)
    {
        members = [];
        dead = [];
        sequence = 0;
        int lf = data.IndexOf((byte)'\n');
        if (lf < 3 || data[0] != (byte)'S' || data[1] != (byte)' ' ||
            !ulong.TryParse(data[2..lf], NumberStyles.None, CultureInfo.InvariantCulture, out sequence))
        {
            return false;
        }

        ReadOnlySpan<byte> rest = data[(lf + 1)..];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (line.StartsWith("D "u8))
            {
                dead.Add(Encoding.ASCII.GetString(line[2..])); // an id never holds a space
            }
            else if (!line.IsEmpty)
            {
                members.Add(line.ToArray());
            }
        }

        return true;
    }
}
