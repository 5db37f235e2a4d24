using System.Buffers;
using FastChat.Protocol;

namespace FastChat.Protocol.Tests;

public class LineFramerSmokeTests
{
    [Fact]
    public void Reads_a_crlf_line()
    {
        var framer = new LineFramer(16);
        Assert.Equal(OperationStatus.Done, framer.TryReadLine("hi\r\n"u8, out var line, out int consumed));
        Assert.Equal("hi"u8.ToArray(), line.ToArray());
        Assert.Equal(4, consumed);
    }
}
