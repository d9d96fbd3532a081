namespace Autoscaler.IntegrationTests.Chaos;

/// <summary>
/// One chaos stack for every test of <see cref="StackChaosTests"/>: starting `up` and scaling it to three replicas takes
/// about 20 s, so the tests share it, each leaving it as it found it (steady at three replicas, ready). Started by the
/// first test that asks, so a missing binary skips the tests instead of failing the fixture.
/// </summary>
public sealed class SharedChaosStack : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ChaosStack? _stack;

    internal async Task<ChaosStack> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _stack ??= await ChaosStack.StartAsync();
            await _stack.WaitSteadyAsync();
            return _stack;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        _gate.Dispose();
    }
}
