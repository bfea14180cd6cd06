namespace Datum.Networking.Controllers; internal static class NetworkingControllers { }
