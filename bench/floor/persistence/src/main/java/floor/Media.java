package floor;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** One entity, so that Hibernate ORM and Hibernate Reactive build a persistence unit at start; never queried. */
@Entity
public class Media extends PanacheEntityBase {

    @Id
    public String id;

    public String status;

    public String sourceUrl;
}
