using System.Buffers;
using BenchmarkDotNet.Attributes;
using FastChat.Server.Internal;

namespace FastChat.Benchmarks;

/// <summary>
/// Rent and return of the server's pooled objects (<see cref="ServerPools"/>: pinned receive blocks,
/// the receive and send SAEA objects, broadcast-log segments), alone and with a second thread doing
/// the same at the same time, against <see cref="ArrayPool{T}.Shared"/> for the same 4 KiB block.
/// One operation is one rent + return; with 2 threads both run <see cref="PairsPerThread"/> pairs
/// at once, so the mean is the time per pair while the other thread competes for the same pool.
/// </summary>
[MemoryDiagnoser]
public class PoolBenchmarks
{
    private const int PairsPerThread = 1024;

    private ServerPools _pools = null!;
    private Action _work = null!;
    private Thread? _helper;
    private ManualResetEventSlim _go = null!;
    private ManualResetEventSlim _done = null!;
    private volatile bool _stop;

    /// <summary>1: uncontended; 2: a second thread rents and returns from the same pool at the same time.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>The pools with the server's default sizes.</summary>
    [GlobalSetup(Target = nameof(ArrayPoolShared))]
    public void SetupArrayPool() => Setup(() =>
    {
        for (int i = 0; i < PairsPerThread; i++)
        {
            ArrayPool<byte>.Shared.Return(ArrayPool<byte>.Shared.Rent(4096));
        }
    });

    /// <summary>Receive blocks.</summary>
    [GlobalSetup(Target = nameof(ReceiveBlock))]
    public void SetupReceiveBlock() => Setup(() =>
    {
        CountingObjectPool<byte[]> pool = _pools.ReceiveBlocks;
        for (int i = 0; i < PairsPerThread; i++)
        {
            pool.Return(pool.Get());
        }
    });

    /// <summary>Receive SAEA objects.</summary>
    [GlobalSetup(Target = nameof(ReceiveArgs))]
    public void SetupReceiveArgs() => Setup(() =>
    {
        CountingObjectPool<ReceiveArgs> pool = _pools.ReceiveArgs;
        for (int i = 0; i < PairsPerThread; i++)
        {
            pool.Return(pool.Get());
        }
    });

    /// <summary>Send SAEA objects.</summary>
    [GlobalSetup(Target = nameof(SendArgs))]
    public void SetupSendArgs() => Setup(() =>
    {
        CountingObjectPool<SendArgs> pool = _pools.SendArgs;
        for (int i = 0; i < PairsPerThread; i++)
        {
            pool.Return(pool.Get());
        }
    });

    /// <summary>Log segments.</summary>
    [GlobalSetup(Target = nameof(LogSegment))]
    public void SetupLogSegment() => Setup(() =>
    {
        CountingObjectPool<LogSegment> pool = _pools.Segments;
        for (int i = 0; i < PairsPerThread; i++)
        {
            pool.Return(pool.Get());
        }
    });

    /// <summary>Stops the second thread.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        _go?.Set();
        _helper?.Join();
        _helper = null;
        _go?.Dispose();
        _done?.Dispose();
    }

    /// <summary>The BCL's shared pool, 4 KiB arrays (thread-local caches, so contention barely shows).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = PairsPerThread)]
    public void ArrayPoolShared() => Run();

    /// <summary><see cref="ServerPools.ReceiveBlocks"/>: pinned 4 KiB blocks.</summary>
    [Benchmark(OperationsPerInvoke = PairsPerThread)]
    public void ReceiveBlock() => Run();

    /// <summary><see cref="ServerPools.ReceiveArgs"/>: return clears the buffer (SetBuffer).</summary>
    [Benchmark(OperationsPerInvoke = PairsPerThread)]
    public void ReceiveArgs() => Run();

    /// <summary><see cref="ServerPools.SendArgs"/>: return clears the buffer (SetBuffer).</summary>
    [Benchmark(OperationsPerInvoke = PairsPerThread)]
    public void SendArgs() => Run();

    /// <summary><see cref="ServerPools.Segments"/>: return resets the segment.</summary>
    [Benchmark(OperationsPerInvoke = PairsPerThread)]
    public void LogSegment() => Run();

    private void Setup(Action work)
    {
        _pools = new ServerPools(maxLineLength: 1024, maxClients: 10_000, segmentSize: 64 * 1024, maxPendingBytes: 4 * 1024 * 1024);
        _work = work;
        _stop = false;
        _go = new ManualResetEventSlim(false);
        _done = new ManualResetEventSlim(false);
        if (Threads == 2)
        {
            _helper = new Thread(Helper) { IsBackground = true, Name = "pool-contender" };
            _helper.Start();
        }
    }

    private void Run()
    {
        if (_helper is null)
        {
            _work();
            return;
        }

        _done.Reset();
        _go.Set();
        _work();
        _done.Wait();
    }

    private void Helper()
    {
        while (true)
        {
            _go.Wait();
            _go.Reset();
            if (_stop)
            {
                return;
            }

            _work();
            _done.Set();
        }
    }
}
