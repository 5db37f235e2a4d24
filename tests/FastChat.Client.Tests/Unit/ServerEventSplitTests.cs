using CsCheck;
using FastChat.Client.Tests.Infrastructure;
using static FastChat.Client.Tests.Infrastructure.ServerStreams;
using static FastChat.Tests.Shared.SplitGen;

namespace FastChat.Client.Tests.Unit;

/// <summary>
/// The client's receive path (LineFramer, then ServerEventParser with its member set) must turn any
/// split of the server's bytes into the same events as the whole stream: TCP decides the splits.
/// </summary>
public class ServerEventSplitTests
{
    private static string Print((int Max, byte[] Stream, int[] Chunks) t) =>
        $"max={t.Max} stream=\"{Escape(t.Stream)}\" chunks=[{string.Join(",", t.Chunks)}]";

    [Fact]
    public void Any_split_of_the_server_bytes_gives_the_same_events_as_the_whole_stream()
    {
        Gen<(int Max, byte[] Stream, int[] Chunks)> gen =
            from max in MaxLineLength
            from stream in ServerStream
            from chunks in Chunks(stream.Length)
            select (max, stream, chunks);

        gen.Sample(
            (max, stream, chunks) =>
            {
                (List<string> whole, bool wholeFinal) = Receive(max, stream, [stream.Length]);
                (List<string> split, bool splitFinal) = Receive(max, stream, chunks);
                Assert.True(whole.SequenceEqual(split), $"whole: {Show(whole)}\nsplit: {Show(split)}");
                Assert.Equal(wholeFinal, splitFinal);
            },
            iter: 3000,
            print: Print);
    }
}
