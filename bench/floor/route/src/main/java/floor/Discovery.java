package floor;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** The one route of the start-up floor: the path the benchmark polls, a fixed JSON body. */
@Path("/api/inngest")
public class Discovery {

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String get() {
        return "{\"function_count\":0,\"has_event_key\":false,\"has_signing_key\":false,\"mode\":\"dev\"}";
    }
}
