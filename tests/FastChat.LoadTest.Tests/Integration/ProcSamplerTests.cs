using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>The /proc readers: the server RSS/CPU behind every figure the load tester reports, and the open-file limit it warns about.</summary>
public class ProcSamplerTests
{
    [Fact]
    public void Reads_rss_its_private_data_part_and_cpu_of_a_live_process()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc is Linux's");

        ProcSample? sample = ProcSampler.Read(Environment.ProcessId);

        Assert.NotNull(sample);
        ProcSample s = sample.Value;
        Assert.True(s.RssKb > 0, $"RSS {s.RssKb} kB");
        Assert.InRange(s.RssAnonKb, 1, s.RssKb);
        Assert.True(s.CpuSeconds >= 0);

        // Touching 64 MiB of new private memory shows in the data part.
        byte[] block = GC.AllocateUninitializedArray<byte>(64 << 20);
        Array.Fill(block, (byte)1);
        ProcSample after = ProcSampler.Read(Environment.ProcessId)!.Value;
        Assert.True(after.RssAnonKb - s.RssAnonKb >= 60 << 10, $"anon {s.RssAnonKb} -> {after.RssAnonKb} kB");
        GC.KeepAlive(block);
    }

    [Fact]
    public void A_process_that_does_not_exist_reads_as_nothing()
    {
        Assert.Null(ProcSampler.Read(int.MaxValue));
    }

    [Fact]
    public void The_open_file_limit_is_read_from_proc()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc is Linux's");
        Assert.True(Connector.OpenFileLimit() > 0);
    }
}
