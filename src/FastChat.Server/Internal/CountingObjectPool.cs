using Microsoft.Extensions.ObjectPool;

namespace FastChat.Server.Internal;

/// <summary>
/// An <see cref="ObjectPool{T}"/> that keeps at most a fixed number of idle objects and counts what
/// is out, so tests can prove every rented object comes back.
/// </summary>
/// <remarks>
/// Renting past the cap still works (a fresh object is made); returning past the cap drops the
/// object for the GC. The cap therefore bounds idle memory, not concurrency.
/// </remarks>
internal sealed class CountingObjectPool<T> : ObjectPool<T>
    where T : class
{
    private readonly ObjectPool<T> _inner;
    private readonly int _maximumRetained;
    private long _rented;
    private long _returned;
    private long _created;

    /// <param name="lastInFirstOut">
    /// Hand out the most recently returned object first, so a pool filled at start keeps reusing
    /// the few blocks already written and leaves the rest out of RSS (<see cref="DefaultObjectPool{T}"/>
    /// hands out the oldest). It takes a lock per call: for rarely rented objects.
    /// </param>
    public CountingObjectPool(string name, Func<T> create, Action<T>? reset, int maximumRetained, bool lastInFirstOut = false)
    {
        Name = name;
        _maximumRetained = maximumRetained;
        var policy = new Policy(() =>
        {
            Interlocked.Increment(ref _created);
            return create();
        }, reset);
        _inner = lastInFirstOut
            ? new StackPool(policy, maximumRetained)
            : new DefaultObjectPool<T>(policy, maximumRetained);
    }

    public string Name { get; }

    /// <summary>Objects handed out and not yet returned.</summary>
    public long Outstanding => Interlocked.Read(ref _rented) - Interlocked.Read(ref _returned);

    /// <summary>Objects made so far, pre-filled ones included (a rent the pool could not serve makes one).</summary>
    public long Created => Interlocked.Read(ref _created);

    /// <summary>
    /// Rents and returns as many objects as the pool keeps, so a fresh pool makes them all now and
    /// holds them idle; on a pool that already holds idle objects it makes fewer.
    /// </summary>
    public void Fill()
    {
        var made = new T[_maximumRetained];
        for (int i = 0; i < made.Length; i++)
        {
            made[i] = Get();
        }

        foreach (T item in made)
        {
            Return(item);
        }
    }

    public override T Get()
    {
        Interlocked.Increment(ref _rented);
        return _inner.Get();
    }

    public override void Return(T obj)
    {
        Interlocked.Increment(ref _returned);
        _inner.Return(obj);
    }

    private sealed class StackPool(IPooledObjectPolicy<T> policy, int maximumRetained) : ObjectPool<T>
    {
        private readonly Lock _lock = new();
        private readonly T[] _items = new T[maximumRetained];
        private int _count;

        public override T Get()
        {
            lock (_lock)
            {
                if (_count > 0)
                {
                    T item = _items[--_count];
                    _items[_count] = null!;
                    return item;
                }
            }

            return policy.Create();
        }

        public override void Return(T obj)
        {
            if (!policy.Return(obj))
            {
                return;
            }

            lock (_lock)
            {
                if (_count < _items.Length)
                {
                    _items[_count++] = obj;
                }
            }
        }
    }

    private sealed class Policy(Func<T> create, Action<T>? reset) : IPooledObjectPolicy<T>
    {
        public T Create() => create();

        public bool Return(T obj)
        {
            reset?.Invoke(obj);
            return true;
        }
    }
}

/// <summary>Pinned, page-multiple byte blocks (receive buffers and private output).</summary>
internal static class PinnedBlocks
{
    /// <summary>The page size the blocks are multiples of.</summary>
    public const int PageSize = 4096;

    public static int RoundUpToPage(int bytes) => (bytes + PageSize - 1) / PageSize * PageSize;

    /// <summary>
    /// Pinned so the kernel-facing I/O never needs a GCHandle and the GC never moves them; they live
    /// on the pinned object heap, which is why they are pooled and capped rather than allocated per use.
    /// </summary>
    public static CountingObjectPool<byte[]> CreatePool(string name, int blockSize, int maximumRetained) =>
        new(name, () => GC.AllocateUninitializedArray<byte>(blockSize, pinned: true), reset: null, maximumRetained);
}
