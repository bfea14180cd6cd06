namespace Datum.Compute.Controllers;

/// <summary>The compute controllers (placeholder until they land).</summary>
public static class ComputeControllers;
